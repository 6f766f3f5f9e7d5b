"""Schedules read for lists as the driver hands them over, without the ORM.

Each page row is a tuple of plain, hashable values (JSON as its text, times as SQLite's text or
as PostgreSQL's UTC wall time); it is decoded into a ScheduleInfo only the first time that exact
tuple is seen, so a page shown again (a refresh, a chip toggled back) costs the query alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import JSON, String, Text, cast
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from core.schedules.views import ScheduleInfo
from core.storage.tables import Schedule, StoredTrigger
from core.storage.utc import UTCDateTime

# The columns a ScheduleInfo is made of, in the order a stored row holds them.
SHOWN = (
    "id",
    "name",
    "kind",
    "status",
    "trigger",
    "timezone",
    "next_fire_at",
    "db_profile",
    "database",
    "scope",
    "scenario",
    "missed_policy",
    "misfire_grace_s",
    "max_retries",
    "retry_count",
    "note",
    "missed_reason",
    "version",
    "created_at",
    "updated_at",
    "template_slug",
    "template_profile",
    "template_params",
)
# Decoded views kept for rows seen again: a few pages' worth.
CACHED_ROWS = 2048


@cache
def stored_columns() -> tuple[ColumnElement[Any], ...]:
    """The SELECT list of a stored row: JSON columns as text, times as the driver gives them."""
    table = Schedule.__table__
    columns: list[ColumnElement[Any]] = []
    for name in SHOWN:
        column = table.c[name]
        if isinstance(column.type, JSON | StoredTrigger):
            columns.append(cast(column, Text).label(name))
        elif isinstance(column.type, UTCDateTime):
            columns.append(_UTCWallTime(column).label(name))
        else:
            columns.append(column)
    return tuple(columns)


class _UTCWallTime(FunctionElement[Any]):
    """A stored UTC time as read for a page: as SQLite keeps it, and on PostgreSQL without its
    zone. psycopg makes such plain datetimes faster than zoned ones, and they hash without
    asking their zone for its offset."""

    type = String()
    inherit_cache = True


@compiles(_UTCWallTime)
def _as_kept(element: _UTCWallTime, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_UTCWallTime, "postgresql")
def _without_zone(element: _UTCWallTime, compiler: SQLCompiler, **kw: Any) -> str:
    return f"timezone('UTC', {compiler.process(element.clauses, **kw)})"


def infos(rows: Sequence[Sequence[Any]], dialect: Dialect) -> list[ScheduleInfo]:
    """The views of stored rows, in their order."""
    return [_info(dialect, tuple(row)) for row in rows]


class _Row:
    """A stored row's decoded values under the Schedule's attribute names."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


@lru_cache(maxsize=CACHED_ROWS)
def _info(dialect: Dialect, values: tuple[Any, ...]) -> ScheduleInfo:
    decode = _decoders(dialect)
    row = {name: decode[name](value) for name, value in zip(SHOWN, values, strict=True)}
    return ScheduleInfo.of(_Row(row))  # type: ignore[arg-type]  # has every attribute it reads


@lru_cache(maxsize=8)
def _decoders(dialect: Dialect) -> dict[str, Callable[[Any], Any]]:
    table = Schedule.__table__
    found: dict[str, Callable[[Any], Any]] = {}
    for name in SHOWN:
        kind = table.c[name].type
        if isinstance(kind, StoredTrigger):
            found[name] = _trigger_decoder(kind, dialect)
        elif isinstance(kind, JSON):
            found[name] = _json
        elif isinstance(kind, UTCDateTime):
            found[name] = _time_decoder(kind, dialect)
        else:
            found[name] = _same
    return found


def _same(value: Any) -> Any:
    return value


def _json(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _trigger_decoder(kind: StoredTrigger, dialect: Dialect) -> Callable[[Any], Any]:
    def decode(value: str | None) -> Any:
        return kind.process_result_value(_json(value), dialect)

    return decode


def _time_decoder(kind: UTCDateTime, dialect: Dialect) -> Callable[[Any], Any]:
    process = kind.dialect_impl(dialect).result_processor(dialect, None)
    return process if process is not None else _same
