"""Exporting a profile's annotations: JSON, or a dbt schema.yml with model and column docs."""

from __future__ import annotations

import json
from typing import Any

from core.analysis.review import ReviewService
from core.catalog.scope import format_path, parse_path
from core.errors import InvalidInput, NotFound

FORMATS = ("json", "dbt")


def _nest(current: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Group column paths under their table path: [{path, description, tags, columns}]."""
    tables: dict[str, dict[str, Any]] = {}
    columns: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path, fields in current.items():
        parts = parse_path(path)  # database.schema.table[.column]
        if len(parts) == 4:
            columns.setdefault(format_path(parts[:3]), []).append((parts[3], fields))
        else:
            tables[path] = fields
    out = []
    for table in sorted(set(tables) | set(columns)):
        fields = tables.get(table, {})
        out.append(
            {
                "path": table,
                "name": parse_path(table)[-1],
                "description": fields.get("description"),
                "tags": fields.get("tags", []),
                "columns": [
                    {"name": name, "description": f.get("description"), "tags": f.get("tags", [])}
                    for name, f in sorted(columns.get(table, []))
                ],
            }
        )
    return out


def export(review: ReviewService, profile: str, fmt: str) -> str:
    """The profile's current annotations in `fmt` (json or dbt)."""
    if fmt not in FORMATS:
        raise InvalidInput("format", f"format {fmt!r} is unknown; use json or dbt.")
    current = review.current(profile)
    if not current:
        raise NotFound(
            f"profile {profile!r} has no annotations yet; run an analysis and accept "
            "proposals first."
        )
    tables = _nest(current)
    if fmt == "json":
        return json.dumps({"profile": profile, "tables": tables}, indent=2, ensure_ascii=False)
    return _dbt(tables)


def _q(text: str) -> str:
    # JSON strings are valid double-quoted YAML scalars, escapes and all.
    return json.dumps(text, ensure_ascii=False)


def _dbt(tables: list[dict[str, Any]]) -> str:
    lines = ["version: 2", "", "models:"]
    for table in tables:
        lines.append(f"  - name: {_q(table['name'])}")
        if table["description"]:
            lines.append(f"    description: {_q(table['description'])}")
        lines.append(
            f"    meta: {{amx_path: {_q(table['path'])}, amx_tags: {json.dumps(table['tags'])}}}"
        )
        if table["columns"]:
            lines.append("    columns:")
        for column in table["columns"]:
            lines.append(f"      - name: {_q(column['name'])}")
            if column["description"]:
                lines.append(f"        description: {_q(column['description'])}")
            if column["tags"]:
                lines.append(f"        meta: {{amx_tags: {json.dumps(column['tags'])}}}")
    return "\n".join(lines) + "\n"
