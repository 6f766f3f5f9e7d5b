"""Storage: migrations, the drift check, SQLite tuning, aware UTC times and the due index."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, inspect, select, text

from core.api import Core
from core.clock import FrozenClock
from core.errors import StorageError
from core.schedules.queue import due_statement
from core.storage.engine import Database
from core.storage.revisions import head_revision
from core.storage.tables import Base, Worker
from tests.support.pg import Cluster


def test_migrating_an_empty_database_creates_every_table(db_url: str) -> None:
    db = Database(db_url)
    with db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        builtin = conn.execute(text("SELECT name, provider FROM llm_profiles")).all()
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert version == head_revision()
    assert builtin == [("heuristic", "heuristic")]
    db.dispose()
    Database(db_url).dispose()  # reopening a database at head changes nothing


def test_migrating_creates_every_index_the_model_declares(db_url: str) -> None:
    db = Database(db_url)
    listing = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if db.is_sqlite
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    with db.engine.connect() as conn:
        built = set(conn.exec_driver_sql(listing).scalars())
    dialect = db.engine.dialect.name
    declared = {
        i.name
        for t in Base.metadata.sorted_tables
        for i in t.indexes
        # An index declared with ddl_if(dialect=...) is built on that dialect alone.
        if i._ddl_if is None or i._ddl_if.dialect in (None, dialect)
    }
    assert declared - built == set()
    db.dispose()


def test_an_analyzed_file_upgraded_from_0023_has_statistics_for_its_new_indexes(
    sqlite_url: str, clock: FrozenClock
) -> None:
    from tests.support.schedule_rows import fill_schedules, migrate_to

    core = Core.open(sqlite_url, clock)
    fill_schedules(core, 30)  # ANALYZE records nothing for an empty table
    core.close()
    migrate_to(sqlite_url, "0023", down=True)
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    migrate_to(sqlite_url, "head")
    with engine.connect() as conn:
        indexes = set(conn.exec_driver_sql("SELECT idx FROM sqlite_stat1").scalars())
    engine.dispose()
    assert {"ix_schedules_status_name", "ix_schedules_next_text"} <= indexes  # 0024, 0025
    assert not {"ix_schedules_list", "ix_schedules_next"} & indexes


def test_unknown_revision_is_refused_untouched(db_url: str) -> None:
    Database(db_url).dispose()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    with pytest.raises(StorageError, match="revision f00dfeed, which this version of amx does not"):
        Database(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "f00dfeed"
    engine.dispose()


def test_half_migrated_database_is_refused(db_url: str) -> None:
    Database(db_url).dispose()
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE workers"))
    with pytest.raises(StorageError, match="workers is missing, so it looks half-migrated"):
        Database(db_url)
    engine.dispose()


def test_times_come_back_aware_utc(db_url: str) -> None:
    db = Database(db_url)
    seen = datetime(2026, 3, 8, 7, 30, 15, tzinfo=UTC)
    with db.write() as s:
        s.add(Worker(id="w", host="h", pid=1, started_at=seen, last_seen_at=seen, version="1"))
    with db.read() as s:
        worker = s.scalars(select(Worker)).one()
    assert worker.last_seen_at == seen and worker.last_seen_at.tzinfo is not None
    assert worker.last_seen_at.utcoffset() == UTC.utcoffset(None)
    db.dispose()


def test_sqlite_is_wal_with_busy_timeout(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    db.dispose()


def test_sqlite_writers_wait_for_each_other_instead_of_failing(sqlite_url: str) -> None:
    """BEGIN IMMEDIATE: a second writer waits for the lock rather than failing as 'locked'."""
    first, second = Database(sqlite_url), Database(sqlite_url)
    inside = threading.Event()
    errors: list[BaseException] = []

    def hold() -> None:
        try:
            with first.write() as s:
                s.execute(select(Worker)).all()  # a read first: a deferred txn would upgrade later
                inside.set()
                time.sleep(0.5)
                s.add(Worker(id="a", host="h", pid=1, started_at=datetime.now(UTC),
                             last_seen_at=datetime.now(UTC), version="1"))  # fmt: skip
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    with second.write() as s:
        s.execute(select(Worker)).all()
        s.add(Worker(id="b", host="h", pid=2, started_at=datetime.now(UTC),
                     last_seen_at=datetime.now(UTC), version="1"))  # fmt: skip
    holder.join()
    assert errors == []
    with second.read() as s:
        assert sorted(w.id for w in s.scalars(select(Worker))) == ["a", "b"]
    first.dispose()
    second.dispose()


def probe_sql(core: Core) -> str:
    return str(due_statement(core.db.engine.dialect.name))


def test_next_due_probe_uses_the_partial_index(sqlite_url: str, clock: FrozenClock) -> None:
    core = Core.open(sqlite_url, clock)
    with core.db.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + probe_sql(core)).all()
    assert "ix_schedules_due" in " ".join(str(row) for row in plan)
    assert "TEMP B-TREE" not in " ".join(str(row) for row in plan)
    core.close()


@pytest.mark.postgres
def test_next_due_probe_uses_the_partial_index_on_postgres(
    pg_cluster: object, clock: FrozenClock
) -> None:
    from tests.support.pg import Cluster

    assert isinstance(pg_cluster, Cluster)
    core = Core.open(pg_cluster.create_database("plan"), clock)
    with core.db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = conn.exec_driver_sql("EXPLAIN " + probe_sql(core)).all()
    assert "ix_schedules_due" in " ".join(str(row) for row in plan)
    core.close()


@pytest.mark.parametrize(
    ("url", "kind"), [("mysql://x/y", "mysql"), ("mssql+pyodbc://a/b", "mssql")]
)
def test_a_url_of_another_kind_of_database_is_refused_in_one_sentence(url: str, kind: str) -> None:
    with pytest.raises(StorageError) as caught:
        Database(url)
    assert str(caught.value) == (
        f"the database URL names a {kind} database, and amx keeps its schedules in SQLite or "
        "PostgreSQL; write it like sqlite:////path/amx.db or postgresql+psycopg://user@host/db."
    )


@pytest.mark.postgres
def test_a_postgres_scheme_is_read_as_postgresql(pg_cluster: Cluster) -> None:
    url = pg_cluster.create_database("amx_postgres_scheme")
    db = Database(url.replace("postgresql", "postgres", 1))
    try:
        assert db.is_postgres and db.url.drivername.startswith("postgresql")
        with db.read() as session:
            assert session.execute(text("SELECT 1")).scalar() == 1
    finally:
        db.dispose()
