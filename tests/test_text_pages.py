"""A text-filtered page that need not count exactly (`exact_total=False`, as the studio asks
while one types): the same rows as the exact page for every sort, status set, direction and
offset, on both engines; the total exact up to TOTAL_CAP and "more than TOTAL_CAP" beyond; on
SQLite a common text's page walks the sort's index rather than sorting every match."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise, product
from typing import Any

import pytest
from sqlalchemy import event

from core.api import Core
from core.clock import FrozenClock
from core.schedules import text_page
from core.schedules.list_order import SortKey
from core.schedules.service import ListQuery
from core.schedules.text_page import TOTAL_CAP
from tests.support.schedule_rows import fill_schedules, scanned

# "public." is in every scope (common: more than TOTAL_CAP match), "orders" in about a quarter,
# the rest are rare; some are odd on purpose (case, unicode folding, LIKE's wildcards).
TEXTS = ["public.", "PUBLIC.US", "orders", "Nightly", "#12", "kel", "🎉", "_", "zzz-none"]
SORTS: list[SortKey] = ["next_fire_at", "name", "id", "status"]
STATUS_SETS = [frozenset(), frozenset({"failed"}), frozenset({"pending", "paused"})]


def test_pages_are_those_of_the_exact_list_and_totals_are_capped(
    db_url: str, clock: FrozenClock
) -> None:
    core = Core.open(db_url, clock)
    fill_schedules(core, 3000)
    capped = exact = 0
    for text in TEXTS:
        for sort in SORTS:
            for statuses in STATUS_SETS:
                for descending in (False, True):
                    for offset, limit in ((0, 200), (0, 7), (990, 30)):
                        query = ListQuery(text=text, sort=sort, statuses=statuses,
                                          descending=descending, offset=offset, limit=limit)  # fmt: skip
                        quick = core.schedules.list(
                            ListQuery(**{**query.__dict__, "exact_total": False})
                        )
                        page = core.schedules.list(query)
                        assert [s.id for s in quick.items] == [s.id for s in page.items], query
                        if quick.total_exact:
                            assert quick.total == page.total, query
                            exact += 1
                        else:
                            assert page.total > TOTAL_CAP == quick.total, query
                            capped += 1
    assert capped > 30 and exact > 500
    core.close()


def test_a_common_text_page_sorts_nothing(sqlite_url: str, clock: FrozenClock) -> None:
    """The page of a text found in most schedules walks the next-fire (or name) index and stops
    after the page; the exact list sorts every match."""
    core = Core.open(sqlite_url, clock)
    fill_schedules(core, 3000)
    plans: list[str] = []

    def explain(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith(("SELECT", "WITH")) and "sqlite_master" not in statement:
            found = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.extend(row[3] for row in found)

    event.listen(core.db.engine, "before_cursor_execute", explain)
    for sort in ("next_fire_at", "name"):
        plans.clear()
        page = core.schedules.list(ListQuery(text="public.", sort=sort, exact_total=False))
        assert len(page.items) == 200 and not page.total_exact
        assert not [line for line in plans if "TEMP B-TREE" in line], plans
        if sort == "next_fire_at":  # testing entries of the index that holds name and scope
            assert "SCAN schedules USING INDEX ix_schedules_next_text" in plans, plans
            with core.db.engine.begin() as conn:  # and so with statistics
                conn.exec_driver_sql("ANALYZE")
            plans.clear()
            core.schedules.list(ListQuery(text="public.", sort=sort, exact_total=False))
            assert "SCAN schedules USING INDEX ix_schedules_next_text" in plans, plans
        plans.clear()
        core.schedules.list(ListQuery(text="public.", sort=sort))
        assert [line for line in plans if "TEMP B-TREE" in line], plans
    core.close()


def test_a_common_text_among_rare_statuses_is_counted_from_their_index(
    sqlite_url: str, clock: FrozenClock
) -> None:
    """A common text's page of failed schedules (under a quarter of them) counts its matches
    by walking the index of failed schedules, each entry's id looked up among the trigram
    table's matches set aside, rather than reading every match of the text to test its status;
    commoner statuses are counted from the trigram table. The totals are the exact list's."""
    core = Core.open(sqlite_url, clock)
    fill_schedules(core, 3000)
    plans: list[list[str]] = []

    def explain(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "counted" in statement:
            found = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append([row[3] for row in found])

    event.listen(core.db.engine, "before_cursor_execute", explain)
    cases = [(frozenset({"failed"}), True), (frozenset({"failed", "paused"}), False)]
    for (statuses, rare), profile in product(cases, (None, "shop")):
        plans.clear()
        query = ListQuery(
            text="public.", statuses=statuses, profile=profile, exact_total=False, limit=20
        )
        quick = core.schedules.list(query)
        (plan,) = plans
        counted = plan[[p.startswith("SCALAR SUBQUERY") for p in plan].index(True) :]
        read = "SEARCH schedules USING INTEGER PRIMARY KEY (rowid=?)" in counted
        assert ("LIST SUBQUERY 1" in counted, read) == (rare, not rare), plan
        exact = core.schedules.list(replace(query, exact_total=True))
        assert quick.total == min(exact.total, TOTAL_CAP) and quick.items == exact.items
    core.close()


def test_a_text_page_makes_its_ids_as_the_join_reads_them(
    sqlite_url: str, clock: FrozenClock
) -> None:
    """The page of a text sorted from its matches joins its 200 ids to the rows in order,
    making each as the join asks for it rather than first setting them all aside."""
    core = Core.open(sqlite_url, clock)
    fill_schedules(core, 3000)
    plans: list[str] = []

    def explain(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.startswith("WITH"):
            found = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.extend(row[3] for row in found)

    event.listen(core.db.engine, "before_cursor_execute", explain)
    for text in ("kel", "orders"):
        for exact in (True, False):
            plans.clear()
            core.schedules.list(ListQuery(text=text, exact_total=exact))
            assert "CO-ROUTINE page" in plans and "MATERIALIZE page" not in plans, plans
    core.close()


def test_a_rare_text_reads_the_trigram_table_once(sqlite_url: str, clock: FrozenClock) -> None:
    """The first look at a rare text's matches reads them all; its page is found among those
    ids rather than by asking the trigram table again."""
    core = Core.open(sqlite_url, clock)
    fill_schedules(core, 3000)
    asked: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        asked.append(statement)

    event.listen(core.db.engine, "before_cursor_execute", note)
    for text in ("#12", "kel", "zzz-none"):
        asked.clear()
        quick = core.schedules.list(ListQuery(text=text, exact_total=False))
        assert len([s for s in asked if "MATCH" in s]) == 1, asked
        page = core.schedules.list(ListQuery(text=text))
        assert quick.total_exact and quick.total == page.total and quick.items == page.items
    core.close()


def test_sqlite_leaves_out_the_trigrams_most_schedules_hold(
    sqlite_url: str, clock: FrozenClock
) -> None:
    """Every scope starts with "public.": the trigram table is asked for "public.refunds"
    without "pub" and "lic", for the rarer trigrams alone, and finds the same pages as the scan;
    a table too small to sample says nothing, and every trigram is asked for."""
    core = Core.open(sqlite_url, clock)
    fill_schedules(core, 20)
    asked: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        asked.extend(p for p in parameters if isinstance(p, str) and '"' in p)

    event.listen(core.db.engine, "before_cursor_execute", note)
    core.schedules.list(ListQuery(text="public.refunds", exact_total=False))
    assert asked and all('"pub"' in p for p in asked), asked

    fill_schedules(core, 3000, seed=12)
    text_page._samples.clear()  # as a minute later
    text_page._sizes.clear()
    for text, exact in (("public.refunds", False), ("public.refunds", True), ("PUBLIC.U", False)):
        asked.clear()
        query = ListQuery(text=text, exact_total=exact, limit=50)
        page = core.schedules.list(query)
        assert asked and not [p for p in asked if '"pub"' in p.lower()], asked
        assert [s.id for s in page.items] == [s.id for s in scanned(core, query).items]
    core.close()


def test_a_scan_counts_exactly(db_url: str, clock: FrozenClock) -> None:
    """A text shorter than three characters, which no trigram index serves, is counted exactly
    as asked or not; a longer one found in more than TOTAL_CAP schedules is capped on both
    engines."""
    core = Core.open(db_url, clock)
    fill_schedules(core, 1300)
    for text in ("s", "#1"):
        quick = core.schedules.list(ListQuery(text=text, limit=20, exact_total=False))
        page = core.schedules.list(ListQuery(text=text, limit=20))
        assert quick.total_exact and quick.total == page.total
        assert [s.id for s in quick.items] == [s.id for s in page.items]
    quick = core.schedules.list(ListQuery(text="public.", limit=20, exact_total=False))
    page = core.schedules.list(ListQuery(text="public.", limit=20))
    assert (quick.total, quick.total_exact) == (TOTAL_CAP, False) and page.total > TOTAL_CAP
    assert [s.id for s in quick.items] == [s.id for s in page.items]
    core.close()


def test_reads_map_the_sqlite_file(sqlite_url: str, clock: FrozenClock) -> None:
    core = Core.open(sqlite_url, clock)
    with core.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() == 256 * 1024 * 1024
    core.close()


@pytest.mark.postgres
def test_postgres_sorts_the_matches_its_estimate_calls_few(
    pg_cluster: object, clock: FrozenClock
) -> None:
    """Once the table's statistics are gathered, a text that the kept sample of the table says
    few schedules hold (no statement asks) has its matches read once, sorted for the page and
    counted exactly (the planner alone would walk the next-fire index testing rows); a step
    kind or profile is estimated by the planner. A common text's first matches in next-fire
    order are read from the index that holds search_text, kind and status (reading no row
    where a vacuum has marked the table's pages all-visible), tested by the text's position
    in each, and are the page and the capped count."""
    from tests.support.pg import Cluster

    assert isinstance(pg_cluster, Cluster)
    core = Core.open(pg_cluster.create_database("few_matches"), clock)
    fill_schedules(core, 3000)
    with core.db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE schedules")
    asked: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        asked.append((statement, parameters))

    event.listen(core.db.engine, "before_cursor_execute", note)
    for text, sorted_once in (("#12", True), ("kel", True), ("public.", False)):
        asked.clear()
        quick = core.schedules.list(ListQuery(text=text, exact_total=False))
        said = [statement for statement, _ in asked]
        assert not any(s.startswith("EXPLAIN") for s in said), said
        assert any(s.startswith("WITH matched") for s in said) == sorted_once, (text, said)
        assert any(s.startswith("WITH first_matches") for s in said) != sorted_once, (text, said)
        if not sorted_once:
            [(statement, parameters)] = [a for a in asked if a[0].startswith("WITH first")]
            # Each entry walked is tested by the text's position: LIKE is for the trigram index.
            assert "strpos(" in statement and " LIKE " not in statement, statement
            with core.db.engine.connect() as conn:
                # At 3,000 rows a sort is as cheap: the index must serve the walk on its own.
                for kind in ("seqscan", "bitmapscan", "sort", "incremental_sort"):
                    conn.exec_driver_sql(f"SET enable_{kind} = off")
                plan = "\n".join(
                    r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, parameters)
                )
            assert "Scan using ix_schedules_next_text" in plan, plan
        page = core.schedules.list(ListQuery(text=text))
        assert [s.id for s in quick.items] == [s.id for s in page.items]
        assert quick.total_exact == sorted_once and quick.total == min(page.total, TOTAL_CAP)
    for text in ("#12", "public."):
        asked.clear()
        query = ListQuery(text=text, step_kind="analyze", exact_total=False)
        quick = core.schedules.list(query)
        said = [statement for statement, _ in asked]
        assert any(s.startswith("EXPLAIN (FORMAT JSON)") for s in said), said
        page = core.schedules.list(replace(query, exact_total=True))
        assert [s.id for s in quick.items] == [s.id for s in page.items]
    core.close()


def test_without_statistics_a_text_page_reads_the_trigram_table_first(
    sqlite_url: str, clock: FrozenClock
) -> None:
    """On a file where nothing ever ran ANALYZE, SQLite's planner guesses that a kind's index
    finds a handful of rows, and would walk every schedule of the kind looking each up in the
    trigram table (0.6 s for a common word at 100,000). The text's statements leave it no
    index on kind or status: the trigram table's matches come first and are looked up by id."""
    core = Core.open(sqlite_url, clock)
    fill_schedules(core, 300)
    plans: list[str] = []

    def explain(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "MATCH" in statement or "json_each" in statement:
            found = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.extend(row[3] for row in found)

    event.listen(core.db.engine, "before_cursor_execute", explain)
    for text in ("public.", "orders", "#12", "zzz-none"):
        for statuses in (frozenset(), frozenset({"pending", "paused"})):
            for exact in (True, False):
                plans.clear()
                core.schedules.list(ListQuery(text=text, statuses=statuses, exact_total=exact))
                assert plans, text
                # The trigram table probed for each schedule of a kind, or its matches kept
                # aside to test each schedule of a kind against.
                probed = [p for p in plans if "VIRTUAL TABLE INDEX 0:=M" in p]
                tested = [a for a, b in pairwise(plans) if "(kind=?" in a and "LIST SUB" in b]
                assert not probed and not tested, (text, statuses, exact, plans)
    core.close()


@pytest.mark.postgres
def test_postgres_keeps_its_sample_of_the_table_for_a_minute(
    pg_cluster: object, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample that estimates a text's matches is drawn once the table's statistics are
    gathered, and kept: later pages run no statement for it until SIZE_KEPT_S has passed,
    then it is drawn anew."""
    from tests.support.pg import Cluster

    assert isinstance(pg_cluster, Cluster)
    core = Core.open(pg_cluster.create_database("kept_sample"), clock)
    fill_schedules(core, 3000)
    asked: list[str] = []
    event.listen(core.db.engine, "before_cursor_execute", lambda *a: asked.append(a[2]))
    query = ListQuery(text="#12", exact_total=False)

    def drawn() -> bool:
        asked.clear()
        core.schedules.list(query)
        return any("TABLESAMPLE" in statement for statement in asked)

    with core.db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE schedules")
    assert drawn() and not drawn() and not drawn()
    with core.db.read() as session:
        assert text_page.sampled(session, None, frozenset(), "zzz-none") == text_page.Spread(
            0, 3000
        )
        common = text_page.sampled(session, None, frozenset(), "public.")
        assert common is not None and 2000 < common.estimate < 4000
    monkeypatch.setattr(text_page, "SIZE_KEPT_S", 0.0)
    assert drawn() and drawn()  # each older than SIZE_KEPT_S
    monkeypatch.undo()
    assert not drawn()
    core.close()
