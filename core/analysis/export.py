"""Exporting a profile's annotations: JSON, or a dbt schema.yml (models, or sources by schema),
written to a file atomically."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.analysis.annotated import AnnotatedTable, group_tables
from core.analysis.review import ReviewService
from core.choices import DBT_SHAPES, FORMATS
from core.errors import AmxError, InvalidInput, NotFound


def export(
    review: ReviewService,
    profile: str,
    fmt: str,
    *,
    database: str | None = None,
    scope: Sequence[str] = (),
    dbt_shape: str = "models",
) -> str:
    """The profile's current annotations (those in `database` and under `scope`, if given)
    in `fmt`: json, or dbt in `dbt_shape` (models or sources)."""
    _check(fmt, dbt_shape)
    tables = tables_to_export(review, profile, database=database, scope=scope)
    return render(profile, tables, fmt, dbt_shape)


def tables_to_export(
    review: ReviewService,
    profile: str,
    *,
    database: str | None = None,
    scope: Sequence[str] = (),
) -> list[AnnotatedTable]:
    """The annotated tables an export holds; NotFound when there are none."""
    current = review.current(profile)
    if not current:
        raise NotFound(
            f"profile {profile!r} has no annotations yet; run an analysis and accept "
            "proposals first."
        )
    tables = group_tables(current, database=database, scope=scope)
    if not tables:
        raise NotFound(
            f"profile {profile!r} has no annotations in scope {', '.join(scope) or '*'}; "
            "widen the scope or annotate those tables first.",
            field="scope",
        )
    return tables


def render(profile: str, tables: list[AnnotatedTable], fmt: str, dbt_shape: str = "models") -> str:
    """`tables` as an export's text in `fmt` (json or dbt in `dbt_shape`)."""
    _check(fmt, dbt_shape)
    if fmt == "json":
        doc = {"profile": profile, "tables": [_json_table(t) for t in tables]}
        return json.dumps(doc, indent=2, ensure_ascii=False)
    return _dbt_sources(tables) if dbt_shape == "sources" else _dbt_models(tables)


def _check(fmt: str, dbt_shape: str) -> None:
    if fmt not in FORMATS:
        raise InvalidInput("format", f"format {fmt!r} is unknown; use json or dbt.")
    if dbt_shape not in DBT_SHAPES:
        raise InvalidInput(
            "dbt_shape", f"dbt_shape {dbt_shape!r} is unknown; use models or sources."
        )


def output_path(text: str) -> Path:
    """Where a scheduled export writes: `~` expanded; a relative path is refused, since the
    daemon's working directory is nobody's choice."""
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise InvalidInput(
            "path",
            f"path {text!r} is relative; write an absolute path (or one starting with ~/), "
            "since the daemon does not run in your working directory.",
        )
    return path


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and a rename, so
    readers see the old file or the new one, never half of it; parent folders are made."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise AmxError(f"cannot write {path}: {exc.strerror or exc}.", field="path") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise AmxError(f"cannot write {path}: {exc.strerror or exc}.", field="path") from None


def _json_table(table: AnnotatedTable) -> dict[str, Any]:
    return {
        "path": table.path,
        "name": table.name,
        "description": table.fields.get("description"),
        "tags": table.fields.get("tags", []),
        "columns": [
            {"name": name, "description": f.get("description"), "tags": f.get("tags", [])}
            for name, f in sorted(table.columns.items())
        ],
    }


def _q(text: str) -> str:
    # JSON strings are valid double-quoted YAML scalars, escapes and all.
    return json.dumps(text, ensure_ascii=False)


def _tags(tags: list[str]) -> str:
    return "[" + ", ".join(_q(t) for t in tags) + "]"


def _dbt_models(tables: list[AnnotatedTable]) -> str:
    names: dict[str, str] = {}
    for table in tables:
        if table.name in names:
            raise InvalidInput(
                "dbt_shape",
                f"tables {names[table.name]} and {table.path} share the name {table.name!r}, "
                "but dbt model names are unique; export with dbt_shape sources, or narrow "
                "the scope.",
            )
        names[table.name] = table.path
    lines = ["version: 2", "", "models:"]
    for table in tables:
        lines.append(f"  - name: {_q(table.name)}")
        if table.fields.get("description"):
            lines.append(f"    description: {_q(table.fields['description'])}")
        lines.append(
            f"    meta: {{amx_path: {_q(table.path)}, "
            f"amx_tags: {_tags(table.fields.get('tags', []))}}}"
        )
        lines.extend(_columns(table, "    ", tags_as="meta"))
    return "\n".join(lines) + "\n"


def _dbt_sources(tables: list[AnnotatedTable]) -> str:
    schemas: dict[tuple[str, str], list[AnnotatedTable]] = {}
    for table in tables:
        schemas.setdefault((table.database, table.schema), []).append(table)
    shared = {s for d, s in schemas if sum(1 for _, other in schemas if other == s) > 1}
    lines = ["version: 2", "", "sources:"]
    for (database, schema), members in schemas.items():
        # A source is named by its schema; the database joins in when two share a schema name.
        name = f"{database}_{schema}" if schema in shared else schema
        lines.append(f"  - name: {_q(name)}")
        lines.append(f"    database: {_q(database)}")
        lines.append(f"    schema: {_q(schema)}")
        lines.append("    tables:")
        for table in members:
            lines.append(f"      - name: {_q(table.name)}")
            if table.fields.get("description"):
                lines.append(f"        description: {_q(table.fields['description'])}")
            if table.fields.get("tags"):
                lines.append(f"        tags: {_tags(table.fields['tags'])}")
            lines.append(f"        meta: {{amx_path: {_q(table.path)}}}")
            lines.extend(_columns(table, "        ", tags_as="tags"))
    return "\n".join(lines) + "\n"


def _columns(table: AnnotatedTable, indent: str, *, tags_as: str) -> list[str]:
    if not table.columns:
        return []
    lines = [f"{indent}columns:"]
    for name, fields in sorted(table.columns.items()):
        lines.append(f"{indent}  - name: {_q(name)}")
        if fields.get("description"):
            lines.append(f"{indent}    description: {_q(fields['description'])}")
        if fields.get("tags") and tags_as == "tags":
            lines.append(f"{indent}    tags: {_tags(fields['tags'])}")
        elif fields.get("tags"):
            lines.append(f"{indent}    meta: {{amx_tags: {_tags(fields['tags'])}}}")
    return lines
