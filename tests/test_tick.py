"""The tick with an injected clock: firing, retries with backoff, missed runs, recovery."""

from __future__ import annotations

import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core.api import Core
from core.clock import FrozenClock
from core.schedules.spec import build_spec
from core.schedules.triggers import cron, interval, once
from core.storage.tables import Run
from daemon.claim import claim_due
from daemon.execute import execute
from daemon.heartbeat import beat, register
from daemon.settle import backoff
from daemon.tick import tick


def add(core: Core, name: str, trigger: Any, **kw: Any) -> int:
    fields = {"name": name, "trigger": trigger, "timezone": "Asia/Jakarta", "db_profile": "shop",
              "scope": ["public.users"], **kw}  # fmt: skip
    return core.schedules.create(build_spec(**fields)).id


def fire(core: Core, worker: str = "w1", slots: int = 10) -> list[Any]:
    report = tick(core, worker, slots=slots)
    return [execute(core, c) for c in report.claimed]


def test_one_shot_fires_once_and_completes(core: Core, clock: FrozenClock) -> None:
    sid = add(core, "once", once("2026-11-21 09:30"))
    assert fire(core) == []
    clock.advance(timedelta(minutes=30))
    [run] = fire(core)
    assert run.status == "succeeded" and run.trigger == "schedule"
    assert run.scheduled_for == datetime(2026, 11, 21, 2, 30, tzinfo=UTC)
    info = core.schedules.get(sid)
    assert info.status == "completed" and info.next_fire_at is None
    assert fire(core) == []


def test_recurring_returns_to_pending_with_next_occurrence(core: Core, clock: FrozenClock) -> None:
    sid = add(core, "hourly", cron("0 * * * *"))
    clock.set(datetime(2026, 11, 21, 3, 0, 20, tzinfo=UTC))
    [run] = fire(core)
    assert run.status == "succeeded"
    info = core.schedules.get(sid)
    assert info.status == "pending" and info.next_fire_at == datetime(
        2026, 11, 21, 4, 0, tzinfo=UTC
    )


def test_failures_retry_with_backoff_then_fail(
    core: Core, clock: FrozenClock, tmp_path: Path
) -> None:
    sid = add(core, "fragile", once("2026-11-21 09:01"), max_retries=2)
    shutil.move(tmp_path / "shop" / "public.db", tmp_path / "gone.db")  # the target disappears
    clock.set(datetime(2026, 11, 21, 2, 1, 5, tzinfo=UTC))
    [first] = fire(core)
    assert first.status == "failed" and "public.db" in (first.error or "")
    info = core.schedules.get(sid)
    assert info.status == "pending" and info.retry_count == 1
    assert info.next_fire_at == clock.now() + backoff(1) == clock.now() + timedelta(seconds=30)
    assert fire(core) == []  # not before the backoff
    clock.set(info.next_fire_at)
    [second] = fire(core)
    assert second.attempt == 2 and second.trigger == "retry"
    info = core.schedules.get(sid)
    assert info.retry_count == 2 and info.next_fire_at == clock.now() + timedelta(seconds=60)
    clock.set(info.next_fire_at)
    [third] = fire(core)
    assert third.attempt == 3
    info = core.schedules.get(sid)
    assert info.status == "failed" and info.note and "after 3 attempts" in info.note
    runs = core.schedules.show(sid).runs
    assert [r.attempt for r in runs] == [3, 2, 1] and {r.status for r in runs} == {"failed"}


def test_clock_jump_marks_missed_instead_of_running_late(core: Core, clock: FrozenClock) -> None:
    sid = add(core, "jumped", once("2026-11-21 09:10"))
    clock.advance(timedelta(hours=2))
    report = tick(core, "w1", slots=10)
    assert report.claimed == [] and report.missed == [sid]
    assert core.schedules.get(sid).status == "missed"


def test_run_now_request_is_claimed_and_leaves_the_schedule_alone(core: Core) -> None:
    sid = add(core, "manual", cron("0 2 * * *"))
    core.schedules.pause(sid)
    core.schedules.run_now(sid)
    [run] = fire(core)
    assert run.trigger == "manual" and run.status == "succeeded"
    assert core.schedules.get(sid).status == "paused"


def test_lost_worker_is_recovered_and_retried(core: Core, clock: FrozenClock) -> None:
    sid = add(core, "victim", cron("*/5 * * * *"))
    clock.set(datetime(2026, 11, 21, 2, 5, 1, tzinfo=UTC))
    register(core.db, "dead:1:x", clock.now())
    [claimed] = claim_due(core.db, clock.now(), "dead:1:x", 5, timedelta(seconds=90))
    assert core.schedules.get(sid).status == "running"
    clock.advance(timedelta(seconds=60))
    assert tick(core, "w2", slots=0).recovered == []  # lease still valid
    clock.advance(timedelta(seconds=31))
    report = tick(core, "w2", slots=0)
    assert report.recovered == [claimed.run_id]
    run = core.runs.get(claimed.run_id)
    assert run.status == "failed" and run.error and "worker lost on" in run.error
    info = core.schedules.get(sid)
    assert info.status == "pending" and info.retry_count == 1


def test_heartbeat_renews_leases_and_reports_cancellations(core: Core, clock: FrozenClock) -> None:
    sid = add(core, "long", cron("*/5 * * * *"))
    clock.set(datetime(2026, 11, 21, 2, 5, 1, tzinfo=UTC))
    register(core.db, "w1", clock.now())
    [claimed] = claim_due(core.db, clock.now(), "w1", 5, timedelta(seconds=90))
    clock.advance(timedelta(seconds=80))
    held = [(claimed.run_id, sid)]
    assert beat(core.db, "w1", clock.now(), timedelta(seconds=90), held) == set()
    clock.advance(timedelta(seconds=80))
    assert tick(core, "w2", slots=0).recovered == []  # renewed, so not lost
    core.schedules.cancel(sid)
    assert beat(core.db, "w1", clock.now(), timedelta(seconds=90), held) == {claimed.run_id}
    cancel = threading.Event()
    cancel.set()
    run = execute(core, claimed, cancel)
    assert run.status == "cancelled"
    assert core.schedules.get(sid).status == "cancelled"


def test_a_run_its_worker_no_longer_holds_is_not_renewed_and_is_recovered(
    core: Core, clock: FrozenClock
) -> None:
    sid = add(core, "orphan", cron("*/5 * * * *"))
    clock.set(datetime(2026, 11, 21, 2, 5, 1, tzinfo=UTC))
    register(core.db, "w1", clock.now())
    [claimed] = claim_due(core.db, clock.now(), "w1", 5, timedelta(seconds=90))
    for _ in range(3):  # w1 stays alive, but holds nothing: the run's lease is left to lapse
        clock.advance(timedelta(seconds=40))
        assert beat(core.db, "w1", clock.now(), timedelta(seconds=90), []) == set()
    assert tick(core, "w2", slots=0).recovered == [claimed.run_id]
    assert core.schedules.get(sid).status == "pending"


def test_concurrent_claims_never_share_an_occurrence(core: Core, clock: FrozenClock) -> None:
    for i in range(60):
        add(core, f"s{i}", interval("1h"))
    clock.advance(timedelta(hours=1, seconds=1))
    won: list[int] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        while True:
            got = claim_due(core.db, clock.now(), name, 3, timedelta(seconds=90))
            if not got:
                return
            with lock:
                won.extend(c.schedule_id for c in got)

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won) == list(range(1, 61))
    with core.db.read() as s:
        assert s.scalar(select(func.count(Run.id))) == 60


def test_cache_refresh_schedules_refresh_the_catalog(core: Core, clock: FrozenClock) -> None:
    core.schedules.create(
        build_spec(
            name="refresh",
            trigger=once("2026-11-21 09:05"),
            timezone="Asia/Jakarta",
            steps=[{"kind": "cache_refresh", "profile": "shop"}],
        )
    )
    clock.advance(timedelta(minutes=5))
    [run] = fire(core)
    assert run.status == "succeeded" and run.summary is not None
    counts = {k: run.summary[k] for k in ("databases", "schemas", "tables", "columns")}
    assert counts == {"databases": 1, "schemas": 3, "tables": 4, "columns": 15}
    assert [s["status"] for s in run.summary["steps"]] == ["succeeded"]


def test_a_cache_refresh_step_with_a_scope_rereads_only_its_schemas(
    core: Core, clock: FrozenClock
) -> None:
    add(core, "refresh", once("2026-11-21 09:05"), kind="cache_refresh")  # scope public.users
    clock.advance(timedelta(minutes=5))
    [run] = fire(core)
    assert run.status == "succeeded" and run.summary is not None
    counts = {k: run.summary[k] for k in ("schemas", "tables", "columns")}
    assert counts == {"schemas": 1, "tables": 2, "columns": 10}


def test_a_job_that_cannot_start_fails_its_attempt_and_is_retried(
    core: Core, clock: FrozenClock
) -> None:
    from daemon.claim import Claimed
    from daemon.worker import Job, Worker, WorkerConfig

    class NoProcesses:
        def start(self, claimed: Claimed, done: Any) -> Job:
            raise OSError(24, "Too many open files")

    sid = add(core, "unlucky", cron("*/5 * * * *"))
    clock.set(datetime(2026, 11, 21, 2, 5, 1, tzinfo=UTC))
    worker = Worker(core, WorkerConfig(poll=0.01, worker_id="w1"), runner=NoProcesses())
    thread = threading.Thread(target=worker.run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while core.schedules.get(sid).retry_count == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        worker.stop()
        thread.join(10)
    [run] = core.schedules.show(sid).runs
    assert run.status == "failed"
    assert run.error == "the job could not start: [Errno 24] Too many open files"
    info = core.schedules.get(sid)
    assert info.status == "pending" and info.retry_count == 1, "retried, not stuck Running"


def test_a_worker_config_that_cannot_work_is_refused() -> None:
    import pytest

    from core.errors import InvalidInput
    from daemon.worker import WorkerConfig

    for bad, field in [
        ({"concurrency": 0}, "concurrency"),
        ({"poll": 0.0}, "poll"),
        ({"heartbeat": -1.0}, "heartbeat"),
        ({"grace": float("nan")}, "grace"),
        ({"retry_base": 0.0}, "retry_base"),
        ({"heartbeat": 30.0, "lease": 30.0}, "lease"),
        ({"worker_id": " "}, "worker_id"),
    ]:
        with pytest.raises(InvalidInput) as refused:
            WorkerConfig(**bad)
        assert refused.value.field == field, bad
    assert WorkerConfig(poll=0.01, heartbeat=0.2, lease=0.5).lease == 0.5
