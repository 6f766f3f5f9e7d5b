"""A stalled worker: its runs come back when their lease runs out (not sooner, whatever its
heartbeat says), and a writer that lost its claim writes nothing: no proposals, no annotations,
no outcome. The last test does it with real daemons, SIGSTOP and SIGCONT."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.api import Core
from core.clock import FrozenClock
from core.errors import Conflict
from core.schedules.outcome import Outcome
from core.schedules.spec import build_spec
from core.schedules.status import RunStatus
from core.schedules.triggers import cron, once
from core.storage.tables import Annotation, Proposal, Run, Schedule
from daemon.claim import claim_due
from daemon.heartbeat import register
from daemon.settle import finish_and_settle
from daemon.tick import tick
from tests.support.daemons import Daemon, start, wait_until
from tests.support.fake_llm import FakeLlm, add_profile, timeout


def _add(core: Core, name: str, **kw: object) -> int:
    fields = {"name": name, "trigger": cron("*/5 * * * *"), "timezone": "UTC",
              "db_profile": "shop", "scope": ["public.users"], **kw}  # fmt: skip
    return core.schedules.create(build_spec(**fields)).id


def _proposals(core: Core) -> dict[int, int]:
    with core.db.read() as s:
        rows = s.execute(select(Proposal.run_id, func.count(Proposal.id)).group_by(Proposal.run_id))
        return {run_id: n for run_id, n in rows}


def test_recovery_follows_the_lease_not_the_workers_heartbeat(
    core: Core, clock: FrozenClock
) -> None:
    sid = _add(core, "long lease")
    clock.set(datetime(2026, 11, 21, 2, 5, 1, tzinfo=UTC))
    register(core.db, "slow:1:x", clock.now())
    [claimed] = claim_due(core.db, clock.now(), "slow:1:x", 1, timedelta(seconds=300))
    clock.advance(timedelta(seconds=200))  # silent for 200 s, but its lease runs to 300 s
    assert tick(core, "w2", slots=0).recovered == [], "recovered before its lease ran out"
    assert core.runs.get(claimed.run_id).status == "running"
    clock.advance(timedelta(seconds=101))
    assert tick(core, "w2", slots=0).recovered == [claimed.run_id]
    run = core.runs.get(claimed.run_id)
    assert run.status == "failed"
    assert (run.error or "").startswith("worker lost on ")
    assert (run.error or "").endswith("(its 300 s lease ran out at 2026-11-21 02:10:01 UTC)")
    assert core.schedules.get(sid).retry_count == 1


def test_a_writer_that_lost_its_claim_writes_nothing(core: Core, clock: FrozenClock) -> None:
    sid = _add(core, "stalled", review_strategy="auto")
    clock.set(datetime(2026, 11, 21, 2, 5, 1, tzinfo=UTC))
    [claimed] = claim_due(core.db, clock.now(), "stalled:1:x", 1, timedelta(seconds=90))
    clock.advance(timedelta(seconds=91))  # the worker froze; another one recovers the run
    assert tick(core, "w2", slots=0).recovered == [claimed.run_id]
    # The frozen worker wakes and carries on with the analysis it had in hand.
    ended = core.job.analyse(sid, claimed.run_id)
    print(f"late writer: {ended.status}, {ended.error}; proposals per run {_proposals(core)}")
    assert ended.status == RunStatus.FAILED and "lost its claim" in (ended.error or "")
    with pytest.raises(Conflict):
        finish_and_settle(core.db, clock.now(), claimed.run_id, Outcome(RunStatus.SUCCEEDED))
    assert _proposals(core) == {}, "no proposals"
    with core.db.read() as s:
        assert s.scalar(select(func.count(Annotation.id))) == 0, "no annotations"
    run = core.runs.get(claimed.run_id)
    assert run.status == "failed" and (run.error or "").startswith("worker lost on ")


def test_a_writer_whose_lease_ran_out_writes_nothing_before_recovery(
    core: Core, clock: FrozenClock
) -> None:
    sid = _add(core, "lapsed")
    clock.set(datetime(2026, 11, 21, 2, 5, 1, tzinfo=UTC))
    [claimed] = claim_due(core.db, clock.now(), "w1", 1, timedelta(seconds=90))
    clock.advance(timedelta(seconds=91))  # nobody has recovered it yet: its claim is gone anyway
    ended = core.job.analyse(sid, claimed.run_id)
    assert ended.status == RunStatus.FAILED and "lease ran out" in (ended.error or "")
    assert _proposals(core) == {}


def _five_tables(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        for i in range(1, 6):
            conn.execute(
                f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT, note TEXT, "
                "amount NUMERIC, created_at TIMESTAMP)"
            )
    conn.close()
    return f"sqlite:///{path}"


@pytest.fixture
def five(db_url: str, tmp_path: Path) -> Iterator[tuple[str, Core]]:
    """The database URL and its core, with a DB profile `five` of five tables."""
    core = Core.open(db_url)
    core.profiles.add_db("five", _five_tables(tmp_path / "five.db"))
    yield db_url, core
    core.close()


def _freeze_between_writes(daemon: Daemon, core: Core) -> None:
    """SIGSTOP `daemon` at a moment it holds no SQLite write lock. Frozen inside a write (a
    heartbeat, a lease renewal) it would stop every other writer of the file, whose one lock
    all processes share, and no daemon can help that; PostgreSQL locks rows, and ends a
    session left idle in a transaction."""
    for _ in range(50):
        daemon.signal(signal.SIGSTOP)
        if not core.db.is_sqlite or _write_lock_free(core):
            return
        daemon.signal(signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError("the daemon held the write lock at each of 50 tries")


def _write_lock_free(core: Core) -> bool:
    path = core.db.engine.url.database
    assert path is not None
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


@pytest.mark.slow
def test_a_stalled_daemon_does_not_run_a_job_twice(five: tuple[str, Core], tmp_path: Path) -> None:
    url, core = five
    fast = ("--poll", "0.2", "--heartbeat", "0.5", "--lease", "3", "--retry-base", "1")
    with FakeLlm() as llm:
        add_profile(core, llm)
        llm.script(timeout(10))  # the first table's answer is slow; the rest come at once
        due = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0, tzinfo=None)
        spec = build_spec(name="five tables", trigger=once(due), timezone="UTC",
                          db_profile="five", scope=["main"], llm_profile="slow",
                          review_strategy="manual", max_retries=3)  # fmt: skip
        sid = core.schedules.create(spec).id
        a = start(url, tmp_path / "a.log", *fast, "--worker-id", "a")
        b = None
        try:
            assert wait_until(lambda: len(llm.requests) == 1, 30)
            [(_sid, first, _when)] = a.fires()
            _freeze_between_writes(a, core)  # a frozen host, its job process still running
            b = start(url, tmp_path / "b.log", *fast, "--worker-id", "b")
            assert wait_until(lambda: core.schedules.get(sid).status == "completed", 90)
            # The stalled job's slow answer has come by now; give it time to write (or not).
            assert wait_until(lambda: len(llm.requests) >= 6, 30)
            a.signal(signal.SIGCONT)
            assert wait_until(lambda: "keeping the recorded outcome" in a.log.read_text(), 30)
            counts = _proposals(core)
            runs = {r.id: r for r in core.schedules.show(sid).runs}
            print(f"proposals per run: {counts}; runs: "
                  f"{[(r.id, r.status, r.worker_id, r.error) for r in runs.values()]}")  # fmt: skip
            assert len(runs) == 2, runs
            assert counts.get(first, 0) == 0, "the stalled writer wrote proposals"
            lost = runs[first]
            assert lost.status == "failed"
            assert (lost.error or "").startswith("worker lost on ") and "3 s lease" in (
                lost.error or ""
            )
            [retry] = [r for r in runs.values() if r.id != first]
            assert retry.status == "succeeded" and retry.worker_id == "b"
            assert counts[retry.id] > 0
            with core.db.read() as s:
                assert s.scalar(select(Run.status).where(Run.id == first)) == "failed"
                assert s.scalar(select(Schedule.status).where(Schedule.id == sid)) == "completed"
            assert a.process.poll() is None and "Traceback" not in a.log.read_text()
        finally:
            a.signal(signal.SIGCONT)
            a.stop()
            if b is not None:
                b.stop()
