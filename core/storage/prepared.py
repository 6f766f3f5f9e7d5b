"""Statements compiled once per shape and run straight on the driver's cursor.

SQLAlchemy builds a statement anew on every call, derives its cache key, expands its lists and
wraps each row it returns; for a page asked while one types that costs as much as the query
itself. Here a statement is built and compiled once for each shape: a key that names everything
that changes its SQL or its unnamed values. What changes from call to call (a text, a pattern)
are named parameters, whose values are given each time, and rows come back as the driver's
tuples. The values must be what the driver takes as they are (text, numbers, None).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

# Shapes kept compiled, the least recently used dropped first (paging far adds a shape a page).
SHAPES = 512


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # The parameters' names in order for a positional driver (SQLite); None for a named one.
    order: tuple[str, ...] | None
    # Every parameter's value as built: the unnamed ones stay, the named ones are replaced.
    built: dict[str, Any]


_compiled: OrderedDict[tuple[str, Hashable], _Compiled] = OrderedDict()
_lock = threading.Lock()


def fetch(
    session: Session,
    key: Hashable,
    build: Callable[[], ClauseElement],
    values: Mapping[str, Any],
    *,
    prefix: str = "",
) -> list[tuple[Any, ...]]:
    """The rows of the statement `build` makes, compiled once per dialect and `key`, run in
    `session`'s transaction with `values` for its named parameters (after `prefix`, such as
    EXPLAIN, when given)."""
    connection = session.connection()
    compiled = _compile(connection.dialect, key, build, values)
    sql = prefix + compiled.sql
    given = {**compiled.built, **values}
    arguments: Any = given
    if compiled.order is not None:
        arguments = tuple(given[name] for name in compiled.order)
    cursor = connection.connection.cursor()
    # The engine's cursor events see these statements as they see SQLAlchemy's own.
    watched = connection._has_events or connection.engine._has_events
    try:
        if watched:
            for before in connection.dispatch.before_cursor_execute:
                before(connection, cursor, sql, arguments, None, False)
        cursor.execute(sql, arguments)
        if watched:
            for after in connection.dispatch.after_cursor_execute:
                after(connection, cursor, sql, arguments, None, False)
        return list(cursor.fetchall())
    except connection.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy raises it, so the storage layer's handling of a lost or locked
        # database applies.
        raise DBAPIError.instance(
            sql, arguments, exc, connection.dialect.loaded_dbapi.Error
        ) from exc
    finally:
        cursor.close()


def _compile(
    dialect: Dialect, key: Hashable, build: Callable[[], ClauseElement], values: Mapping[str, Any]
) -> _Compiled:
    with _lock:
        found = _compiled.get((dialect.name, key))
        if found is not None:
            _compiled.move_to_end((dialect.name, key))
            return found
    statement = build()
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    assert isinstance(compiled, SQLCompiler)
    built = dict(compiled.params)
    unknown = sorted(set(values) - set(built))
    if unknown:
        raise ValueError(f"the statement for {key!r} has no parameter named {unknown[0]!r}.")
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    made = _Compiled(compiled.string, order, built)
    with _lock:
        _compiled[(dialect.name, key)] = made
        while len(_compiled) > SHAPES:
            _compiled.popitem(last=False)
    return made
