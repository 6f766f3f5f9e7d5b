"""The kept schedule counts (`schedule_counts`: migration 0017 on SQLite, 0019 on PostgreSQL):
the chips' counts and an unfiltered page's total agree with counting the rows after every kind
of write, whoever makes it; a database without the triggers counts its rows instead; the
migrations fill the table from the schedules already there; on PostgreSQL, writers do not wait
on each other for it and its change rows fold into one a kind and status."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from sqlalchemy import create_engine

from core.api import Core
from core.clock import FrozenClock
from core.schedules import kept_counts
from core.schedules.service import ListQuery
from core.schedules.spec import build_spec
from core.schedules.status import Status
from core.schedules.triggers import cron
from daemon.claim import claim_due
from tests.support.pg import Cluster
from tests.support.schedule_rows import migrate_to
from tests.support.shop import make_shop
from tests.test_service import spec

KINDS = ("analyze", "cache_refresh", None)
_names = itertools.count()


def _scanned(core: Core, kind: str | None) -> dict[str, int]:
    """The counts by reading every row, as the kept counts must say."""
    found = {s.value: 0 for s in Status}
    with core.db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT kind, status, count(*) FROM schedules WHERE deleted_at IS NULL "
            "GROUP BY kind, status"
        ).all()
    for row_kind, status, n in rows:
        if kind is None or row_kind == kind:
            found[status] += n
    return found


def _shop_core(url: str, clock: FrozenClock, tmp_path: object) -> Core:
    core = Core.open(url, clock)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))  # type: ignore[operator]
    return core


def _agree(core: Core) -> None:
    for kind in KINDS:
        expected = _scanned(core, kind)
        assert core.schedules.counts(kind) == expected, kind
        for statuses in (frozenset(), frozenset({"pending", "missed"}), frozenset({"paused"})):
            page = core.schedules.list(ListQuery(statuses=statuses, kind=kind, limit=1))
            assert page.total == sum(
                n for s, n in expected.items() if s in statuses or not statuses
            )


def test_kept_counts_follow_every_write(db_url: str, clock: FrozenClock, tmp_path: object) -> None:
    core = Core.open(db_url, clock)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))  # type: ignore[operator]
    assert core.db.has_counts
    ids = [core.schedules.create(spec(f"s{i}")).id for i in range(8)]
    refresh = core.schedules.create(
        build_spec(
            name="refresh",
            trigger=cron("0 1 * * *"),
            steps=[{"kind": "cache_refresh", "profile": "shop"}],
        )
    )
    assert refresh.kind == "cache_refresh"
    _agree(core)
    core.schedules.pause(ids[0])
    core.schedules.pause(ids[1])
    core.schedules.resume(ids[1])
    core.schedules.delete(ids[2])
    _agree(core)
    clock.advance(timedelta(days=2))  # every pending fire time passes: missed detection
    assert core.schedules.detect_missed()
    _agree(core)
    core.schedules.run_now(ids[3])
    assert claim_due(core.db, clock.now(), "w1", 3, timedelta(seconds=90))
    gone = core.schedules.create(spec("gone")).id
    _agree(core)
    with core.db.engine.begin() as conn:  # writes from elsewhere: the triggers see them too
        conn.exec_driver_sql(f"DELETE FROM schedules WHERE id = {gone}")
        conn.exec_driver_sql(f"UPDATE schedules SET deleted_at = NULL WHERE id = {ids[2]}")
        conn.exec_driver_sql(f"UPDATE schedules SET kind = 'cache_refresh' WHERE id = {ids[5]}")
        conn.exec_driver_sql(f"UPDATE schedules SET note = 'unrelated' WHERE id = {ids[6]}")
        # One statement that moves some schedules and leaves others where they stand.
        conn.exec_driver_sql(
            "UPDATE schedules SET status = CASE WHEN mod(id, 2) = 0 THEN 'paused' ELSE status END"
        )
    _agree(core)
    kept_counts.fold(core.db)
    _agree(core)
    core.close()


def test_a_database_without_the_triggers_counts_the_rows(
    db_url: str, clock: FrozenClock, tmp_path: object
) -> None:
    core = Core.open(db_url, clock)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))  # type: ignore[operator]
    first = core.schedules.create(spec("first")).id
    core.schedules.create(spec("second"))
    core.close()
    with create_engine(db_url).begin() as conn:  # as a table rebuild would leave it on SQLite
        on = "" if db_url.startswith("sqlite") else " ON schedules"
        conn.exec_driver_sql(f"DROP TRIGGER schedule_counts_update{on}")
    core = Core.open(db_url, clock)
    assert not core.db.has_counts
    core.schedules.pause(first)
    assert core.schedules.counts() == _scanned(core, "analyze")
    assert core.schedules.counts()["paused"] == 1
    assert core.schedules.list(ListQuery(statuses=frozenset({"paused"}))).total == 1
    core.close()


def test_the_migrations_fill_the_counts_from_the_schedules_there(
    db_url: str, clock: FrozenClock, tmp_path: object
) -> None:
    """Migration 0017 (SQLite) and 0019 (PostgreSQL), from the revision before them."""
    core = _shop_core(db_url, clock, tmp_path)
    ids = [core.schedules.create(spec(f"s{i}")).id for i in range(5)]
    core.close()
    sqlite = db_url.startswith("sqlite")
    migrate_to(db_url, "0016" if sqlite else "0018", down=True)
    with create_engine(db_url).begin() as conn:
        there = (
            "SELECT count(*) FROM sqlite_master WHERE name LIKE 'schedule_counts%'"
            if sqlite
            else "SELECT count(*) FROM pg_class WHERE relname = 'schedule_counts'"
        )
        assert conn.exec_driver_sql(there).scalar() == 0
        conn.exec_driver_sql(f"UPDATE schedules SET status = 'paused' WHERE id = {ids[0]}")
        conn.exec_driver_sql(f"UPDATE schedules SET deleted_at = updated_at WHERE id = {ids[1]}")
    migrate_to(db_url, "head")
    core = Core.open(db_url, clock)
    assert core.db.has_counts
    assert core.schedules.counts() == _scanned(core, "analyze")
    assert (core.schedules.counts()["pending"], core.schedules.counts()["paused"]) == (3, 1)
    core.close()


@pytest.mark.postgres
def test_postgres_writers_do_not_wait_on_the_counts_and_their_rows_fold(
    pg_cluster: Cluster, clock: FrozenClock, tmp_path: object
) -> None:
    postgres_url = pg_cluster.create_database(f"counts_{next(_names)}")
    core = _shop_core(postgres_url, clock, tmp_path)
    ids = [core.schedules.create(spec(f"s{i}")).id for i in range(6)]
    engine = create_engine(postgres_url)
    first, second = engine.connect(), engine.connect()
    # Two open transactions move schedules between the same statuses: neither waits.
    for conn, schedule_id in ((first, ids[0]), (second, ids[1])):
        conn.exec_driver_sql("SET lock_timeout = '2s'")
        conn.exec_driver_sql(f"UPDATE schedules SET status = 'paused' WHERE id = {schedule_id}")
    first.commit()
    second.commit()
    for schedule_id in ids[2:]:
        core.schedules.pause(schedule_id)
        core.schedules.resume(schedule_id)
    with engine.connect() as conn:
        changes = conn.exec_driver_sql("SELECT count(*) FROM schedule_counts").scalar()
    assert changes is not None and changes > 4
    kept_counts.fold(core.db)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT kind, status, n FROM schedule_counts").all()
    assert sorted(rows) == [("analyze", "paused", 2), ("analyze", "pending", 4)]
    _agree(core)
    where = "SELECT ctid::text FROM schedule_counts ORDER BY 1"
    with engine.connect() as conn:
        folded = conn.exec_driver_sql(where).all()
    kept_counts.fold(core.db)  # folded already: nothing is rewritten
    with engine.connect() as conn:
        assert conn.exec_driver_sql(where).all() == folded
    first.close()
    second.close()
    engine.dispose()
    core.close()


@pytest.mark.postgres
def test_a_read_folds_many_postgres_change_rows(
    pg_cluster: Cluster, clock: FrozenClock, tmp_path: object
) -> None:
    """Without a daemon to fold them, single-row writes pile up change rows: a read past
    FOLD_AFTER of them folds them."""
    postgres_url = pg_cluster.create_database(f"counts_{next(_names)}")
    core = _shop_core(postgres_url, clock, tmp_path)
    first = core.schedules.create(spec("first")).id
    with core.db.engine.begin() as conn:
        for i in range(kept_counts.FOLD_AFTER // 2 + 1):
            status = "paused" if i % 2 == 0 else "pending"
            conn.exec_driver_sql(f"UPDATE schedules SET status = '{status}' WHERE id = {first}")
        changes = conn.exec_driver_sql("SELECT count(*) FROM schedule_counts").scalar()
    assert changes is not None and changes > kept_counts.FOLD_AFTER
    assert core.schedules.counts()["paused"] == 1
    with core.db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT kind, status, n FROM schedule_counts").all()
    assert rows == [("analyze", "paused", 1)]
    _agree(core)
    core.close()


@pytest.mark.postgres
def test_postgres_reads_the_counts_from_their_index_whatever_the_table_held(
    pg_cluster: Cluster, clock: FrozenClock, tmp_path: object
) -> None:
    """Folded change rows sit after the space of the rows they replaced, which a vacuum frees
    but cannot cut off: the counts are read from their index (migration 0023), a few pages
    rather than the whole table; down drops the index, up makes it again."""
    postgres_url = pg_cluster.create_database(f"counts_{next(_names)}")
    core = _shop_core(postgres_url, clock, tmp_path)
    first = core.schedules.create(spec("first")).id
    with core.db.engine.begin() as conn:
        for i in range(3000):
            status = "paused" if i % 2 == 0 else "pending"
            conn.exec_driver_sql(f"UPDATE schedules SET status = '{status}' WHERE id = {first}")
    kept_counts.fold(core.db)
    with core.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE schedule_counts")
        pages = conn.exec_driver_sql(
            "SELECT relpages FROM pg_class WHERE relname = 'schedule_counts'"
        ).scalar()
        plan = "\n".join(
            row[0]
            for row in conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
                + str(kept_counts._KEPT.compile(dialect=core.db.engine.dialect))
            )
        )
    assert pages is not None and pages > 10, "the folded rows sit after the freed space"
    assert "Index Only Scan using ix_schedule_counts" in plan, plan
    executed = plan.split("Planning:")[0]
    assert max(int(hits) for hits in re.findall(r"shared hit=(\d+)", executed)) <= 3, plan
    assert core.schedules.counts()["pending"] == 1
    core.close()
    migrate_to(postgres_url, "0022", down=True)
    with create_engine(postgres_url).connect() as conn:
        there = "SELECT count(*) FROM pg_class WHERE relname = 'ix_schedule_counts'"
        assert conn.exec_driver_sql(there).scalar() == 0
    migrate_to(postgres_url, "head")
    with create_engine(postgres_url).connect() as conn:
        assert conn.exec_driver_sql(there).scalar() == 1
