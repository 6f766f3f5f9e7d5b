"""Pages by next fire time or by name: each kind and status walks its own part of the (kind,
status, next fire) or (kind, status, name) index and the parts are merged (migrations 0018 and
0024). The pages are those of the one plain ORDER BY, across statuses, kinds, directions and
offsets; and on SQLite without statistics (no ANALYZE has ever run on a user's file) no page
walks or sorts the whole table."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pytest
from sqlalchemy import event, select

from core.api import Core
from core.clock import FrozenClock
from core.schedules.list_order import SortKey
from core.schedules.service import ListQuery, _order
from core.storage.tables import Schedule
from tests.support.pg import Cluster
from tests.support.schedule_rows import fill_schedules

STATUS_SETS = [
    frozenset(),
    frozenset({"failed"}),
    frozenset({"cancelled"}),  # none at all
    frozenset({"pending", "failed"}),
    frozenset({"paused", "completed", "missed"}),
]


def _plain(core: Core, query: ListQuery) -> list[int]:
    """The page's ids by the one ORDER BY over every matching row."""
    service = core.schedules
    statement = (
        select(Schedule.id)
        .where(*service._filters(query))
        .order_by(*_order(query, Schedule))
        .offset(query.offset)
        .limit(query.limit)
    )
    with core.db.read() as session:
        return list(session.scalars(statement))


@pytest.mark.parametrize("sort", ["next_fire_at", "name"])
def test_merged_pages_are_those_of_the_plain_order(
    db_url: str, clock: FrozenClock, sort: SortKey
) -> None:
    core = Core.open(db_url, clock)
    fill_schedules(core, 300)
    checked = 0
    for statuses in STATUS_SETS:
        for kind in ("analyze", "cache_refresh", None):
            for descending in (False, True):
                for offset, limit in ((0, 200), (0, 7), (35, 20), (250, 50)):
                    query = ListQuery(statuses=statuses, kind=kind, sort=sort,
                                      descending=descending, offset=offset,
                                      limit=limit)  # fmt: skip
                    page = core.schedules.list(query)
                    assert [s.id for s in page.items] == _plain(core, query), query
                    checked += len(page.items)
    assert checked > 1000
    core.close()


@pytest.mark.parametrize(
    ("sort", "index"),
    [("next_fire_at", "ix_schedules_status_next"), ("name", "ix_schedules_status_name")],
)
def test_without_statistics_no_page_walks_the_whole_table(
    sqlite_url: str, clock: FrozenClock, sort: SortKey, index: str
) -> None:
    core = Core.open(sqlite_url, clock)
    fill_schedules(core, 300)
    with core.db.engine.begin() as conn:
        stats = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).scalar()
        assert stats == 0  # as on a user's file: nothing ever ran ANALYZE
    statuses = ["pending", "paused", "failed", "cancelled"]
    sets = [frozenset(c) for n in (1, 2) for c in combinations(statuses, n)] + [frozenset()]
    for chosen in sets:
        for kind in ("analyze", None):
            statement = core.schedules._merged(ListQuery(statuses=chosen, kind=kind, sort=sort))
            with core.db.engine.connect() as conn:
                sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
                plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
            reads = [line for line in plan if "schedules" in line]
            assert reads, plan
            # The parts walk the index; the page's own rows are then read by id.
            assert all(
                f"INDEX {index} " in line or "INTEGER PRIMARY KEY" in line for line in reads
            ), plan
    core.close()


@pytest.mark.parametrize("sort", ["status", "updated_at"])
def test_other_sorts_keep_the_plain_order(db_url: str, clock: FrozenClock, sort: str) -> None:
    core = Core.open(db_url, clock)
    fill_schedules(core, 120)
    for statuses in STATUS_SETS[:4]:
        query = ListQuery(statuses=statuses, kind=None, sort=sort, offset=5, limit=40)  # type: ignore[arg-type]
        assert [s.id for s in core.schedules.list(query).items] == _plain(core, query)
    core.close()


def test_a_common_status_walks_the_next_fire_index_without_statistics(
    sqlite_url: str, clock: FrozenClock
) -> None:
    core = Core.open(sqlite_url, clock)
    fill_schedules(core, 300)
    service = core.schedules
    for statuses in (frozenset(), frozenset({"pending", "paused"})):
        query = ListQuery(statuses=statuses)
        with core.db.read() as session:
            assert service._common(session, query)  # a quarter or more match: walking is quick
        walk = select(Schedule.id).where(*service._filters(query, walk=True))
        walk = walk.order_by(*_order(query, Schedule)).limit(200)
        with core.db.engine.connect() as conn:
            sql = str(walk.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
        # The live schedules' next-fire index that holds kind, name and scope (migration 0025).
        assert plan == ["SCAN schedules USING INDEX ix_schedules_next_text"], plan
    with core.db.read() as session:
        assert not service._common(session, ListQuery(statuses=frozenset({"cancelled"})))
    core.close()


@pytest.mark.postgres
def test_postgres_pages_of_common_statuses_are_one_plain_statement(
    pg_cluster: Cluster, clock: FrozenClock
) -> None:
    """PostgreSQL keeps the counts too: a page of common statuses is the one plain ORDER BY,
    which its planner serves by walking the next-fire index, not a merge of every status's
    part; a rare status's page is still merged from its parts."""
    core = Core.open(pg_cluster.create_database("pages_common"), clock)
    fill_schedules(core, 300)
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(core.db.engine, "before_cursor_execute", note)
    for statuses, merged in ((frozenset(), False), (frozenset({"pending", "paused"}), False),
                             (frozenset({"failed", "missed"}), True)):  # fmt: skip
        statements.clear()
        query = ListQuery(statuses=statuses)
        assert [s.id for s in core.schedules.list(query).items] == _plain(core, query)
        assert any("UNION ALL" in s for s in statements) == merged, statements
    core.close()


def test_an_offset_near_the_largest_integer_gives_an_empty_page(
    db_url: str, clock: FrozenClock
) -> None:
    core = Core.open(db_url, clock)
    fill_schedules(core, 40)
    for statuses in (frozenset(), frozenset({"failed"}), frozenset({"cancelled", "paused"})):
        query = ListQuery(statuses=statuses, offset=2**63 - 2, limit=50)
        page = core.schedules.list(query)
        assert page.items == []
        assert page.total == core.schedules.list(ListQuery(statuses=statuses, limit=1)).total
    core.close()
