"""Claims: run-now requests before due occurrences, the claim and its runs in one transaction,
and a held SQLite write lock reported as busy without losing anything."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core.api import Core
from core.clock import FrozenClock
from core.errors import StorageError
from core.schedules.spec import build_spec
from core.schedules.triggers import cron
from core.storage.tables import Run, Schedule
from daemon.claim import claim_due
from tests.support.shop import make_shop

LEASE = timedelta(seconds=90)


def add(core: Core, name: str) -> int:
    spec = build_spec(name=name, trigger=cron("0 * * * *"), timezone="Asia/Jakarta",
                      db_profile="shop", scope=["public.users"])  # fmt: skip
    return core.schedules.create(spec).id


def runs_of(core: Core, sid: int) -> int:
    with core.db.read() as session:
        return session.scalar(select(func.count()).where(Run.schedule_id == sid)) or 0


@pytest.fixture
def lite(sqlite_url: str, clock: FrozenClock, tmp_path: Path) -> Iterator[Core]:
    """The core on a new SQLite file."""
    opened = Core.open(sqlite_url, clock)
    opened.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    yield opened
    opened.close()


def test_run_now_requests_fill_the_batch_before_due_occurrences(
    core: Core, clock: FrozenClock
) -> None:
    first, second, due = add(core, "first"), add(core, "second"), add(core, "due")
    core.schedules.pause(first)
    core.schedules.pause(second)
    core.schedules.run_now(second)
    core.schedules.run_now(first)
    clock.advance(timedelta(hours=1))
    batch = claim_due(core.db, clock.now(), "w1", 2, LEASE)
    assert [(c.schedule_id, c.trigger, c.attempt) for c in batch] == [
        (second, "manual", 1),
        (first, "manual", 1),
    ]
    assert core.schedules.get(due).status == "pending"
    [claimed] = claim_due(core.db, clock.now(), "w1", 2, LEASE)
    assert (claimed.schedule_id, claimed.trigger) == (due, "schedule")
    assert claimed.scheduled_for == core.runs.get(claimed.run_id).scheduled_for
    assert core.schedules.get(due).status == "running"
    assert claim_due(core.db, clock.now(), "w2", 5, LEASE) == []


def test_claim_and_its_run_commit_together_or_not_at_all(lite: Core, clock: FrozenClock) -> None:
    sid = add(lite, "hourly")
    clock.advance(timedelta(hours=1))
    due = lite.schedules.get(sid).next_fire_at
    assert due is not None
    with lite.db.write() as session:  # a run for that occurrence already exists
        session.add(Run(schedule_id=sid, scheduled_for=due, trigger="schedule", attempt=1,
                        status="succeeded", created_at=clock.now()))  # fmt: skip
    with lite.db.read() as session:
        version = session.get(Schedule, sid).version  # type: ignore[union-attr]
    with pytest.raises(sqlite3.IntegrityError):
        claim_due(lite.db, clock.now(), "w1", 1, LEASE)
    info = lite.schedules.get(sid)
    assert info.status == "pending" and runs_of(lite, sid) == 1
    with lite.db.read() as session:
        row = session.get(Schedule, sid)
        assert row is not None and row.version == version and row.claimed_by is None
    with lite.db.write() as session:
        session.execute(Run.__table__.delete().where(Run.schedule_id == sid))
    [claimed] = claim_due(lite.db, clock.now(), "w1", 1, LEASE)
    assert claimed.schedule_id == sid and runs_of(lite, sid) == 1


def test_a_held_write_lock_is_reported_as_busy_and_loses_nothing(
    lite: Core, clock: FrozenClock, sqlite_url: str
) -> None:
    sid = add(lite, "hourly")
    clock.advance(timedelta(hours=1))
    # A shorter wait for the lock on the pooled connection the claim will most likely get (any
    # other waits the full busy timeout, and the outcome is the same).
    pooled: Any = lite.db.engine.raw_connection()
    pooled.driver_connection.execute("PRAGMA busy_timeout = 50")
    pooled.close()
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError) as raised:
            claim_due(lite.db, clock.now(), "w1", 1, LEASE)
        assert raised.value.field == "busy" and "is locked" in str(raised.value)
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert lite.schedules.get(sid).status == "pending" and runs_of(lite, sid) == 0
    [claimed] = claim_due(lite.db, clock.now(), "w1", 1, LEASE)
    assert claimed.schedule_id == sid and runs_of(lite, sid) == 1
