"""What the rules look at: one column's facts worked out once, and a rule's verdict."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from core.analysis.llm.heuristic.wording import human
from core.analysis.pii import table_entity
from core.catalog.metadata import ColumnMeta, TableMeta


@dataclass
class Verdict:
    """A rule's answer for one column: its description, tags and confidence."""

    description: str
    tags: list[str]
    confidence: float


@dataclass
class ColumnFacts:
    """One column with everything the rules look at, worked out once."""

    meta: ColumnMeta
    table: TableMeta
    entity: str
    words: list[str]
    kind: str
    values: list[str]
    pii: str | None
    pk_count: int
    siblings: set[str] = field(default_factory=set)

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers, by its type or else by every sample."""
        if self.kind in ("integer", "numeric", "money"):
            return True
        return (
            self.kind in ("text", "unknown", "other")
            and bool(self.values)
            and all(re.fullmatch(r"-?\d+(?:\.\d+)?", v) for v in self.values)
        )

    @property
    def distinct(self) -> list[str]:
        """The distinct sample values, sorted."""
        return sorted(set(self.values))


def column_kind(type_: str) -> str:
    """The broad kind of a declared SQL type: integer, text, timestamp, json, …"""
    low = type_.lower().strip()
    if not low:
        return "unknown"
    checks: tuple[tuple[str, Callable[[str], bool]], ...] = (
        ("boolean", lambda t: "bool" in t or t in ("bit", "bit(1)", "tinyint(1)")),
        ("enum", lambda t: t.startswith("enum")),
        ("json", lambda t: "json" in t),
        ("uuid", lambda t: "uuid" in t or "uniqueidentifier" in t),
        ("inet", lambda t: "inet" in t or "cidr" in t),
        ("geo", lambda t: any(g in t for g in ("geometry", "geography", "point", "polygon"))),
        ("timestamp", lambda t: "timestamp" in t or "datetime" in t),
        ("date", lambda t: t.startswith("date")),
        ("interval", lambda t: t.startswith("interval")),
        ("time", lambda t: t.startswith("time")),
        ("money", lambda t: "money" in t),
        (
            "numeric",
            lambda t: any(n in t for n in ("numeric", "decimal", "real", "float", "double")),
        ),
        ("numeric", lambda t: t.startswith("number")),
        ("integer", lambda t: "int" in t or "serial" in t),
        ("binary", lambda t: any(b in t for b in ("blob", "bytea", "binary"))),
        ("text", lambda t: any(s in t for s in ("char", "text", "string", "clob"))),
    )
    for kind, test in checks:
        if test(low):
            return kind
    return "other"


def column_subject(col: ColumnFacts) -> str:
    """The column's name as words, without a leading repeat of the entity ("product_name")."""
    words = col.words
    entity = col.entity.split()
    if len(words) > len(entity) and words[: len(entity)] == entity:
        words = words[len(entity) :]
    return human(words)


def few_values(col: ColumnFacts) -> bool:
    """Whether the samples are a short list of short values, worth quoting."""
    distinct = col.distinct
    return 1 <= len(distinct) <= 10 and all(len(v) <= 32 for v in distinct)


def default_text(default: str | None) -> str | None:
    """A column default as a description quotes it; None for NULL and expressions."""
    if default is None:
        return None
    text = re.sub(r"::[\w\s]+(?:\[\])?$", "", default.strip()).strip("() ")
    if not text or text.lower() in ("null",) or "(" in text:
        return None
    if text.lower() in ("true", "false", "1", "0") and not text.startswith("'"):
        return text.lower()
    return text if text.startswith("'") else f"'{text}'"


def enum_values(type_: str) -> list[str]:
    """The values an `enum(...)` type declares, in order; none for other types."""
    match = re.match(r"\s*enum\s*\((.*)\)\s*$", type_, re.IGNORECASE | re.DOTALL)
    if not match:
        return []
    return re.findall(r"'((?:[^']|'')*)'", match.group(1))


def ref_entity(target: str) -> str:
    """The entity noun of the table a "schema.table.column" reference points at."""
    parts = target.split(".")
    return table_entity(TableMeta(schema="", name=parts[-2] if len(parts) >= 2 else parts[0]))
