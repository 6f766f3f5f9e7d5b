"""Statements compiled once per shape (core.storage.prepared): each call runs with its own
values for the named parameters, on both engines; errors come out as SQLAlchemy's, so the
storage layer's sentences apply; the engine's cursor events see the statements; and the list's
filters swap their values (text, step kind, profile) without a stale one left in a shape."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import bindparam, column, event, literal, select, table
from sqlalchemy.exc import DBAPIError

from core.api import Core
from core.schedules.service import ListQuery
from core.storage import prepared
from tests.support.schedule_rows import fill_schedules, scanned


def _echo(value: str) -> Any:
    return select(bindparam("word", value), literal(7).label("seven"))


def test_each_call_runs_with_its_own_values(core: Core) -> None:
    with core.db.read() as session:
        first = prepared.fetch(session, ("test-echo",), lambda: _echo("built"), {"word": "one"})
        again = prepared.fetch(session, ("test-echo",), lambda: _echo("never"), {"word": "two"})
    assert first == [("one", 7)] and again == [("two", 7)]


def test_a_value_for_no_parameter_of_the_statement_is_refused(core: Core) -> None:
    with core.db.read() as session, pytest.raises(ValueError, match="no parameter named 'wrod'"):
        prepared.fetch(session, ("test-typo",), lambda: _echo("x"), {"wrod": "one"})


def test_a_driver_error_is_sqlalchemys(core: Core) -> None:
    def broken() -> Any:
        missing = table("no_such_table", column("word"))
        return select(missing.c.word).where(missing.c.word == bindparam("word", "x"))

    with core.db.read() as session, pytest.raises(DBAPIError, match="no_such_table"):
        prepared.fetch(session, ("test-broken",), broken, {"word": "one"})


def test_the_engines_cursor_events_see_the_statements(core: Core) -> None:
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(core.db.engine, "before_cursor_execute", note)
    try:
        with core.db.read() as session:
            prepared.fetch(session, ("test-seen",), lambda: _echo("x"), {"word": "one"})
    finally:
        event.remove(core.db.engine, "before_cursor_execute", note)
    assert [s for s in seen if "seven" in s]


def test_shapes_kept_are_bounded(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prepared, "SHAPES", 3)
    with core.db.read() as session:
        for n in range(6):
            assert prepared.fetch(session, ("test-bound", n), lambda: _echo("x"), {"word": "w"})
    assert len(prepared._compiled) <= 3


def test_one_shape_serves_other_texts_step_kinds_and_profiles(core: Core) -> None:
    """Queries of one shape in a row, each with other values: every page is the full scan's."""
    fill_schedules(core, 400)
    queries = [
        ListQuery(text=text, step_kind=step, profile=profile, exact_total=exact)
        for exact in (True, False)
        for step in ("analyze", "export_docs")
        for profile in ("shop", "elsewhere")
        for text in ("orders", "users", "zzz-none")
    ]
    for query in queries:
        assert core.schedules.list(query) == scanned(core, query), query


def test_plain_pages_of_one_shape_show_their_own_filters(core: Core) -> None:
    """Pages without a text, each statement compiled once for its shape: pages asked in a row
    are those each query gives when compiled afresh."""
    fill_schedules(core, 400)
    queries = [
        ListQuery(
            step_kind=step, profile=profile, statuses=statuses, sort=sort, offset=offset, limit=40
        )
        for step in (None, "analyze", "export_docs")
        for profile in (None, "shop", "elsewhere")
        for statuses in (frozenset(), frozenset({"paused"}), frozenset({"pending", "failed"}))
        for sort in ("next_fire_at", "name")
        for offset in (0, 40)
    ]
    fresh = []
    for query in queries:
        prepared._compiled.clear()
        fresh.append(core.schedules.list(query))
    assert [core.schedules.list(query) for query in queries] == fresh
    totals = {page.total for page in fresh}
    assert min(totals) == 0 and max(totals) > 300, "both empty and full pages were asked"
