"""A profile's annotations grouped by table (its own fields and its columns'), within a scope."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.catalog.scope import covers, format_path, from_texts, parse_path
from core.storage.tables import Annotation

Fields = dict[str, Any]  # {"description": str, "tags": [str, …]}


@dataclass
class AnnotatedTable:
    """One annotated table: where it is, its own fields and its columns' fields."""

    database: str
    schema: str
    name: str
    fields: Fields = field(default_factory=dict)
    columns: dict[str, Fields] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """database.schema.table, as the annotations store writes it."""
        return format_path((self.database, self.schema, self.name))

    def snapshot(self) -> dict[str, Any]:
        """The table's annotations as plain data: {"table": fields, "columns": {name: fields}}."""
        return {
            "table": dict(sorted(self.fields.items())),
            "columns": {n: dict(sorted(f.items())) for n, f in sorted(self.columns.items())},
        }


def current_in(session: Session, profile: str) -> dict[str, Fields]:
    """{path: {field: value}} of a profile's annotations (tags as lists), read in `session`."""
    found: dict[str, Fields] = defaultdict(dict)
    rows = session.scalars(
        select(Annotation).where(Annotation.profile == profile).order_by(Annotation.path)
    )
    for row in rows:
        found[row.path][row.field] = json.loads(row.value) if row.field == "tags" else row.value
    return dict(found)


def group_tables(
    current: dict[str, Fields],
    *,
    database: str | None = None,
    scope: Sequence[str] = (),
) -> list[AnnotatedTable]:
    """The annotated tables of `current` ({path: fields}), sorted by path, keeping what lies
    in `database` (if given) and under `scope` (schema[.table[.column]] paths; empty: all)."""
    ticked = from_texts(scope)
    tables: dict[tuple[str, str, str], AnnotatedTable] = {}
    for path, fields in current.items():
        parts = parse_path(path)  # database.schema.table[.column]
        if len(parts) not in (3, 4) or (database and parts[0] != database):
            continue
        if ticked and not covers(ticked, parts[1:]):
            continue
        key = (parts[0], parts[1], parts[2])
        table = tables.setdefault(key, AnnotatedTable(*key))
        kept = {k: v for k, v in fields.items() if not k.startswith("source:")}
        if len(parts) == 4:
            table.columns[parts[3]] = kept
        else:
            table.fields = kept
    return [tables[key] for key in sorted(tables)]


def fields_of(snapshot: dict[str, Any], base: str) -> Iterable[tuple[str, str, Any]]:
    """(path, field, value) of every field a snapshot holds, the table's first."""
    for name, value in sorted(snapshot.get("table", {}).items()):
        yield base, name, value
    for column, fields in sorted(snapshot.get("columns", {}).items()):
        path = format_path((*parse_path(base), column))
        for name, value in sorted(fields.items()):
            yield path, name, value


__all__ = ["AnnotatedTable", "Fields", "current_in", "fields_of", "group_tables"]
