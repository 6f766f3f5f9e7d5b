"""The list's text filter through the trigram index (SQLite FTS5, PostgreSQL pg_trgm): the same
pages and totals as a full scan, the index kept in step with every change, and migration 0016
up and down on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from core.api import Core
from core.clock import FrozenClock
from core.schedules import text_page
from core.schedules.list_order import SortKey
from core.schedules.service import ListQuery
from core.schedules.text_search import (
    MOST_PARTS,
    covering_trigrams,
    fts_phrase,
    fts_query,
    parts,
    text_filter,
)
from core.schedules.views import Page
from core.storage.tables import Schedule
from tests.support.schedule_rows import fill_schedules, migrate_to, scanned
from tests.support.shop import make_shop
from tests.test_service import spec

QUERIES = [
    "orders", "ORDERS", "Nightly", "nightly ops", "users", "public.users", "eu-", '"public',
    "100%", "%", "_", "\\", "under_score", "under-score", "back\\slash", "'s q", 'y "h', '""',
    '"', "a AND b", "AND", "OR y", "NOT", "star*", "*", "NEAR(", "NEAR(a", "col:umn", ":", "^",
    "{x", "(paren)", "crème", "CRÈME", "Crè", "brû", "straße", "strasse", "İst", "ist", "kel",
    "KELVIN", "long", "ſ l", "日本語", "本語テ", "🎉", "🎉 p", "tab\th", "café", "CAFÉ", "ünï",  # noqa: RUF001
    "ÜNÏ", "mixed", "MIXED CASE", "ed ca", "refunds_20", "\\u00e9", "u00", "zzz-nothing", "ab",
    "a", "ü", "  orders  ", "[\"", "\", \"", '"""', "'''", "%_\\", 'a""b',
]  # fmt: skip


def _drop_trigram_indexes(core: Core) -> None:
    with core.db.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_schedules_search_trgm")


def _ids(page: Page) -> list[int]:
    return [s.id for s in page.items]


def _matching(core: Core, word: str) -> list[int]:
    return _ids(core.schedules.list(ListQuery(text=word, sort="id", kind=None)))


def _indexed_ids(core: Core, word: str) -> set[int]:
    """What the trigram table itself finds (SQLite), before the substring check."""
    with core.db.engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT rowid FROM schedule_text WHERE schedule_text MATCH ?", (fts_phrase(word),)
        ).all()
    return {r[0] for r in found}


def test_fts_phrase_quotes_the_whole_text() -> None:
    assert fts_phrase('say "hi" AND *') == '"say ""hi"" AND *"'


def test_the_trigram_table_is_asked_for_trigrams_that_cover_the_text() -> None:
    assert covering_trigrams("abc") == ["abc"]
    assert covering_trigrams("abcd") == ["abc", "bcd"]
    assert covering_trigrams("abcdef") == ["abc", "def"]
    assert covering_trigrams("risk oslo") == ["ris", "k o", "slo"]
    assert covering_trigrams("n-0042517x") == ["n-0", "042", "517", "17x"]
    assert fts_query('a"b OR *') == '"a""b" AND " OR" AND "R *"'


def test_the_trigram_table_is_not_asked_for_trigrams_most_schedules_hold() -> None:
    assert fts_query("public.carts", {"pub", "lic"}) == '".ca" AND "rts"'
    assert fts_query("n-0042517", {"n-0", "zzz"}) == '"042" AND "517"'
    # Never for none at all: the trigram table would then be asked for nothing.
    assert fts_query("abcdef", {"abc", "def"}) == '"abc" AND "def"'


def test_a_sample_asks_for_the_trigrams_that_narrow_the_rarest() -> None:
    """Of 1,000 schedules, every one holds "public." and "nightly n-0"; one in eight "risk",
    one in eight a city, one in eight "refunds" and one in a hundred "_2019"."""
    cities = ["oslo", "lima", "perth", "dakar", "quito", "osaka", "lisbon", "jakarta"]
    rows = [
        f"{'risk' if i % 8 == 0 else 'ops'} {cities[i // 8 % 8]} nightly n-{i:07d}\n"
        f'["public.{"refunds" if i % 8 == 1 else "orders"}{"_2019" if i % 100 == 1 else ""}"]'
        for i in range(1000)
    ]
    sample = text_page._Sample(1000, 1000, {("analyze", "pending"): "\0".join(rows)}, 1000)
    # Held by every schedule: only the rarest is asked for.
    assert sample.unasked("n-0000042") == {"n-0", "000"}
    assert sample.unasked("public.") == {"lic", "ic."}  # the first of equals is kept
    # Of the ten holding "s_2", every one holds "019" and five "ref" (not worth a list of 125).
    assert sample.unasked("refunds_2019") == {"019", "ref", "und"}
    # Every schedule holding "k o" holds "ris"; half of them hold "slo" (osaka or oslo).
    assert sample.unasked("risk oslo") == {"ris"}
    # Held by one schedule: nothing narrows it further.
    assert sample.unasked("n-0000517") == {"n-0", "000"}
    # A trigram the text holds twice is asked for once, never left out.
    assert sample.unasked("000000") == frozenset()
    small = text_page._Sample(40, 40, {("analyze", "pending"): "\0".join(rows[:40])}, 40)
    assert small.unasked("n-0000042") == frozenset()


@pytest.mark.parametrize("sort", ["next_fire_at", "name", "status", "id"])
def test_indexed_pages_equal_the_full_scan(core: Core, sort: SortKey) -> None:
    fill_schedules(core)
    queries = [
        ListQuery(text=word, sort=sort, kind=kind, limit=limit, offset=offset, descending=desc)
        for word in QUERIES
        for kind, limit, offset, desc in [("analyze", 200, 0, False), (None, 7, 3, True)]
    ]
    if core.db.is_sqlite:
        scans = [scanned(core, q) for q in queries]
    else:
        indexed_first = [core.schedules.list(q) for q in queries]
        _drop_trigram_indexes(core)
        scans = [scanned(core, q) for q in queries]
    found = 0
    for i, (query, scan) in enumerate(zip(queries, scans, strict=True)):
        indexed = core.schedules.list(query) if core.db.is_sqlite else indexed_first[i]
        assert (query.text, _ids(indexed), indexed.total) == (query.text, _ids(scan), scan.total)
        assert indexed == scan
        found += scan.total
    assert found > 1000  # the words do match rows


def test_statuses_and_step_filters_combine_with_the_index(core: Core) -> None:
    fill_schedules(core)
    query = ListQuery(text="orders", statuses=frozenset({"failed"}), profile="shop")
    page = core.schedules.list(query)
    assert page.total > 0 and {s.status for s in page.items} == {"failed"}
    if core.db.is_sqlite:
        assert page == scanned(core, query)


def test_the_index_follows_create_rename_scope_delete_and_undelete(core: Core) -> None:
    made = core.schedules.create(spec("Nightly orders"))
    other = core.schedules.create(spec("weekly users"))
    assert _matching(core, "orders") == [made.id]
    assert _matching(core, "public.users") == [made.id, other.id]

    renamed = core.schedules.edit(
        made.id, {"name": "Hourly invoices"}, expected_version=made.version
    )
    assert _matching(core, "orders") == []
    assert _matching(core, "invoices") == [made.id]

    core.schedules.edit(made.id, {"scope": ["public.orders"]}, expected_version=renamed.version)
    assert _matching(core, "public.users") == [other.id]
    assert _matching(core, "public.orders") == [made.id]

    core.schedules.pause(made.id)  # a change outside name and scope leaves the index alone
    assert _matching(core, "invoices") == [made.id]

    core.schedules.delete(made.id)
    assert _matching(core, "invoices") == []
    if core.db.is_sqlite:
        assert _indexed_ids(core, "invoices") == set()
    with core.db.engine.begin() as conn:  # undo a delete, as a restore from a backup would
        conn.execute(text("UPDATE schedules SET deleted_at = NULL WHERE id = :id"), {"id": made.id})
    assert _matching(core, "invoices") == [made.id]
    if core.db.is_sqlite:
        assert _indexed_ids(core, "invoices") == {made.id}
        with core.db.engine.begin() as conn:
            conn.execute(text("DELETE FROM schedules WHERE id = :id"), {"id": other.id})
        assert _indexed_ids(core, "weekly") == set()


def test_a_text_across_name_and_scope_matches_neither(core: Core) -> None:
    """PostgreSQL tests one lowered copy of name, newline and scope: a text holding that newline
    must still be looked for in each on its own, where it is not."""
    made = core.schedules.create(spec("Nightly orders"))
    assert _matching(core, 'orders\n["public') == []
    assert _matching(core, "ORDERS") == _matching(core, '["public.users"]') == [made.id]
    for exact in (True, False):
        page = core.schedules.list(ListQuery(text='s\n["', exact_total=exact))
        assert (page.items, page.total) == ([], 0)


def test_sqlite_text_of_three_characters_reads_the_trigram_table(
    sqlite_url: str, clock: FrozenClock
) -> None:
    core = Core.open(sqlite_url, clock)

    def plan(word: str) -> str:
        statement = select(Schedule.id).where(*text_filter(core.db, word))
        with core.db.engine.connect() as conn:
            sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
            return " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))

    assert "schedule_text" in plan("ord")
    assert "schedule_text" not in plan("or")  # trigrams need three characters: a scan
    core.close()


def test_sqlite_without_the_triggers_scans_instead_of_reading_a_stale_index(
    sqlite_url: str, clock: FrozenClock
) -> None:
    core = Core.open(sqlite_url, clock)
    fill_schedules(core, 40)
    core.close()
    with create_engine(sqlite_url).begin() as conn:  # as a table rebuild would leave it
        conn.exec_driver_sql("DROP TRIGGER schedule_text_update")
        conn.exec_driver_sql("UPDATE schedules SET name = 'renamed ' || id WHERE id = 5")
    core = Core.open(sqlite_url, clock)
    assert not core.db.has_text_index
    assert _matching(core, "renamed") == [5]
    core.close()


@pytest.mark.postgres
def test_postgres_text_filter_uses_the_trigram_indexes(
    pg_cluster: object, clock: FrozenClock
) -> None:
    from tests.support.pg import Cluster

    assert isinstance(pg_cluster, Cluster)
    core = Core.open(pg_cluster.create_database("trgm_plan"), clock)
    fill_schedules(core, 500)
    with core.db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE schedules")
        conn.exec_driver_sql("SET enable_seqscan = off")
        statement = select(Schedule.id).where(*text_filter(core.db, "orders"))
        sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN " + sql))
    assert "ix_schedules_search_trgm" in plan and "search_text" in plan
    core.close()


def test_the_parts_of_a_text_are_two_covering_trigrams_of_its_longest_ascii_words() -> None:
    assert parts("risk oslo") == ["isk", "slo"]
    assert parts("n-0042517") == ["004", "517"]
    assert parts("Nightly ORDERS") == ["htl", "ERS"]
    assert parts("a refunds_2019 x") == ["und", "019"]
    assert parts("abc") == ["abc"]
    assert parts("日本語 ab Crème x_1") == []
    assert len(parts("abcdefghij" * 5)) == MOST_PARTS


@pytest.mark.postgres
def test_postgres_asks_the_trigram_index_for_the_parts_of_a_text(
    pg_cluster: object, clock: FrozenClock
) -> None:
    """pg_trgm would read the posting list of every trigram of the pattern, among them those
    of word starts that most rows hold; asked by parts, it reads those of the parts alone and
    the substring test decides on the rows they find."""
    from tests.support.pg import Cluster

    assert isinstance(pg_cluster, Cluster)
    core = Core.open(pg_cluster.create_database("trgm_parts"), clock)
    fill_schedules(core, 500)
    statement = select(Schedule.id).where(*text_filter(core.db, "public.Orders", by_parts=True))
    scanned = select(Schedule.id).where(*text_filter(core.db, "public.Orders", scan=True))
    with core.db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE schedules")
        conn.exec_driver_sql("SET enable_seqscan = off")
        sql = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + sql))
        found = {r[0] for r in conn.exec_driver_sql(sql)}
        expected = {r[0] for r in conn.execute(scanned)}
    [index_cond] = [line for line in plan.splitlines() if "Index Cond" in line]
    assert "'%lic%'" in index_cond and "'%ers%'" in index_cond, plan
    assert "public.orders" not in index_cond, plan
    assert found == expected and found
    core.close()


@pytest.mark.postgres
def test_migration_0020_keeps_the_trigram_pending_lists_short(
    pg_cluster: object, clock: FrozenClock
) -> None:
    """A GIN index's pending list is read whole by every search: the trigram indexes keep it
    at 128 kB rather than the default 4 MB (migration 0020), and down takes that back."""
    from tests.support.pg import Cluster

    assert isinstance(pg_cluster, Cluster)
    url = pg_cluster.create_database("trgm_pending")
    Core.open(url, clock).close()

    def options() -> dict[str, object]:
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                found = conn.exec_driver_sql(
                    "SELECT relname, reloptions FROM pg_class WHERE right(relname, 5) = '_trgm'"
                ).all()
            return {name: reloptions for name, reloptions in found}
        finally:
            engine.dispose()

    limited = ["gin_pending_list_limit=128"]
    assert options() == {"ix_schedules_search_trgm": limited}
    migrate_to(url, "0020", down=True)
    assert options() == {"ix_schedules_name_trgm": limited, "ix_schedules_scope_trgm": limited}
    assert "search_text" not in _columns(url)
    migrate_to(url, "0019", down=True)
    assert options() == {"ix_schedules_name_trgm": None, "ix_schedules_scope_trgm": None}
    migrate_to(url, "0020")
    assert set(map(str, options().values())) == {str(limited)}


def _columns(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {c["name"] for c in inspect(conn).get_columns("schedules")}
    finally:
        engine.dispose()


def _index_objects(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                found = conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE name LIKE 'schedule_text%'"
                ).all()
            else:
                found = conn.exec_driver_sql(
                    "SELECT indexname FROM pg_indexes WHERE right(indexname, 5) = '_trgm'"
                ).all()
        return {r[0] for r in found}
    finally:
        engine.dispose()


def test_migration_0016_up_down_and_up_fills_the_index(db_url: str, clock: FrozenClock) -> None:
    core = Core.open(db_url, clock)
    fill_schedules(core, 60)
    expected = {w: _matching(core, w) for w in ("orders", "Nightly", "public.users", "crème")}
    core.close()
    created = _index_objects(db_url)
    if db_url.startswith("sqlite"):
        assert {"schedule_text", "schedule_text_insert", "schedule_text_update"} <= created
    else:
        assert created == {"ix_schedules_search_trgm"}

    migrate_to(db_url, "0015", down=True)
    assert _index_objects(db_url) == set()
    migrate_to(db_url, "head")  # what an upgrade of a database full of schedules does
    assert _index_objects(db_url) == created
    core = Core.open(db_url, clock)
    assert {w: _matching(core, w) for w in expected} == expected
    assert all(expected.values())
    if core.db.is_sqlite:
        assert _indexed_ids(core, "orders") >= set(expected["orders"])
    core.close()


@pytest.fixture
def database_without_trgm_rights(pg_cluster: object) -> Iterator[str]:
    """A database where the role amx works as may create tables but not extensions."""
    from tests.support.pg import Cluster

    assert isinstance(pg_cluster, Cluster)
    pg_cluster.create_database("no_trgm")
    with pg_cluster.connect("no_trgm") as conn:
        found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'plain'").fetchone()
        if not found:
            conn.execute("CREATE ROLE plain LOGIN")
        conn.execute("REVOKE CREATE ON DATABASE no_trgm FROM PUBLIC")
        conn.execute("GRANT CREATE, USAGE ON SCHEMA public TO plain")
    yield pg_cluster.url("no_trgm").replace("amx@", "plain@")


@pytest.mark.postgres
def test_postgres_without_pg_trgm_upgrades_and_scans(
    database_without_trgm_rights: str,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    with caplog.at_level("WARNING", logger="amx.storage"):
        core = Core.open(database_without_trgm_rights, clock)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    assert "pg_trgm not available" in caplog.text
    assert _index_objects(database_without_trgm_rights) == set()
    made = core.schedules.create(spec("Nightly orders"))
    assert _matching(core, "orders") == [made.id]
    core.close()
    reopened = Core.open(database_without_trgm_rights, clock)  # the drift check accepts it
    assert _matching(reopened, "night") == [made.id]
    reopened.close()
