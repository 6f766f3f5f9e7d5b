"""The upgrade to scenarios: every schedule, run and annotation of an earlier version is kept;
each schedule becomes a scenario of one step; a half-finished upgrade is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, create_engine, text

from core.api import Core
from core.clock import FrozenClock
from core.errors import StorageError
from core.schedules.service import ListQuery
from core.storage.engine import _alembic_config
from tests.support.shop import make_shop

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def _utc(conn: Connection, stamp: str) -> str:
    """A UTC time as each backend's column takes it (PostgreSQL would read local time)."""
    return f"{stamp}+00" if conn.dialect.name == "postgresql" else stamp


def _schedule(
    conn: Connection, name: str, kind: str, llm: str, review: str, database: str | None
) -> None:
    conn.execute(
        text(
            "INSERT INTO schedules (name, name_key, kind, trigger, timezone, db_profile, database, "
            "scope, llm_profile, review_strategy, status, next_fire_at, missed_policy, "
            "misfire_grace_s, max_retries, retry_count, version, created_at, updated_at) VALUES "
            "(:name, :name, :kind, :trigger, 'UTC', 'shop', :database, :scope, :llm, :review, "
            "'pending', :due, 'ask', 60, 3, 0, 1, :made, :made)"
        ),
        {
            "name": name,
            "kind": kind,
            "trigger": json.dumps({"kind": "cron", "expr": "0 2 * * *"}),
            "scope": json.dumps(["public.users"]),
            "llm": llm,
            "review": review,
            "database": database,
            "due": _utc(conn, "2026-11-22 02:00:00"),
            "made": _utc(conn, "2026-11-01 00:00:00"),
        },
    )


@pytest.fixture
def database_at_0009(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A database as version 0009 left it: analysis and cache refresh schedules, a run with
    its log, a proposal and an annotation."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        command.upgrade(_alembic_config(conn), "0009")
        conn.commit()
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO db_profiles (name, name_key, url, sample_size, created_at) VALUES "
                 "('shop', 'shop', :url, 5, '2026-11-01 00:00:00')"),
            {"url": make_shop(tmp_path / "shop")},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO llm_profiles (name, name_key, provider, concurrency, created_at) "
                 "VALUES ('local', 'local', 'openai', 2, '2026-11-01 00:00:00')")
        )  # fmt: skip
        _schedule(conn, "nightly", "analyze", "local", "auto", None)
        _schedule(conn, "plain", "analyze", "heuristic", "manual", "main")
        _schedule(conn, "refresh", "cache_refresh", "heuristic", "manual", None)
        conn.execute(
            text(
                "INSERT INTO runs (schedule_id, scheduled_for, trigger, attempt, status, "
                "summary, created_at) VALUES (1, '2026-11-20 02:00:00', 'schedule', 1, "
                "'succeeded', '{\"tables\": 1}', '2026-11-20 02:00:00')"
            )
        )
        conn.execute(
            text("INSERT INTO run_log_lines (run_id, at, level, text) VALUES "
                 "(1, '2026-11-20 02:00:01', 'info', 'analysing 1 table')")
        )  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO annotations (profile, path, field, value, source, run_id, "
                "updated_at) VALUES ('shop', 'main.public.users', 'description', 'People', "
                "'llm', 1, '2026-11-20 02:00:02')"
            )
        )
    engine.dispose()
    yield db_url


def test_every_schedule_becomes_a_scenario_of_one_step_and_nothing_is_lost(
    database_at_0009: str,
) -> None:
    core = Core.open(database_at_0009, FrozenClock(NOW))
    try:
        shown = {s.name: s for s in core.schedules.list().items}
        nightly, plain = shown["nightly"], shown["plain"]
        assert [s.model_dump(exclude_defaults=True) for s in nightly.steps] == [
            {"profile": "shop", "scope": ["public.users"], "llm_profile": "local",
             "review": "auto"}
        ]  # fmt: skip
        assert (nightly.llm_profile, nightly.review_strategy) == ("local", "auto")
        assert (plain.database, plain.llm_profile, plain.review_strategy) == (
            "main", "heuristic", "manual",
        )  # fmt: skip
        [refresh] = core.schedules.list(ListQuery(kind="cache_refresh")).items
        assert [s.kind for s in refresh.steps] == ["cache_refresh"]
        assert refresh.llm_profile is None
        run = core.runs.latest(nightly.id)
        assert run is not None and run.summary == {"tables": 1}
        assert [line.text for line in core.runs.log.lines(run.id)] == ["analysing 1 table"]
        assert core.review.current("shop")["main.public.users"]["description"] == "People"
        with core.db.engine.connect() as conn:
            columns = {
                row[1] for row in conn.exec_driver_sql("PRAGMA table_info('schedules')")
            } if conn.dialect.name == "sqlite" else set(
                conn.execute(text("SELECT column_name FROM information_schema.columns "
                                  "WHERE table_name = 'schedules'")).scalars()
            )  # fmt: skip
        assert "llm_profile" not in columns and "review_strategy" not in columns
        assert "scenario" in columns
    finally:
        core.close()


def test_the_upgraded_schedules_still_fire(database_at_0009: str) -> None:
    from daemon.execute import execute
    from daemon.tick import tick

    clock = FrozenClock(datetime(2026, 11, 22, 2, 0, 30, tzinfo=UTC))
    core = Core.open(database_at_0009, clock)
    try:
        report = tick(core, "w1", slots=10)
        ended = {core.schedules.get(c.schedule_id).name: execute(core, c) for c in report.claimed}
        assert ended["plain"].status == "succeeded", ended["plain"].error
        assert ended["refresh"].status == "succeeded", ended["refresh"].error
        # "nightly" names an LLM endpoint that is not there: it fails, and says which.
        assert ended["nightly"].status == "failed"
    finally:
        core.close()


def test_a_half_finished_upgrade_is_refused_saying_how_to_finish_it(
    database_at_0009: str,
) -> None:
    Core.open(database_at_0009, FrozenClock(NOW)).close()
    engine = create_engine(database_at_0009)
    with engine.begin() as conn:  # as if the upgrade had stopped before dropping its columns
        conn.execute(text("ALTER TABLE schedules ADD COLUMN llm_profile VARCHAR(120)"))
    engine.dispose()
    with pytest.raises(StorageError) as err:
        Core.open(database_at_0009, FrozenClock(NOW))
    said = str(err.value)
    assert "is marked as upgraded to scenarios but schedules.llm_profile is still there" in said
    assert "finish it with ALTER TABLE schedules DROP COLUMN llm_profile." in said
    engine = create_engine(database_at_0009)
    with engine.begin() as conn:  # and before filling every scenario
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE schedules ALTER COLUMN scenario DROP NOT NULL"))
        conn.execute(text("UPDATE schedules SET scenario = NULL WHERE name = 'plain'"))
    engine.dispose()
    with pytest.raises(StorageError) as err:
        Core.open(database_at_0009, FrozenClock(NOW))
    assert "1 schedule has no scenario: the upgrade stopped half-way" in str(err.value)
    engine = create_engine(database_at_0009)
    with engine.begin() as conn:
        data = {"steps": [{"kind": "analyze", "profile": "shop", "scope": ["public.users"]}]}
        conn.execute(
            text("UPDATE schedules SET scenario = :s WHERE name = 'plain'"), {"s": json.dumps(data)}
        )
        conn.execute(text("ALTER TABLE schedules DROP COLUMN llm_profile"))
    engine.dispose()
    Core.open(database_at_0009, FrozenClock(NOW)).close()  # finished by hand: it opens
