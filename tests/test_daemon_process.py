"""Real daemon processes on each backend: on-time firing, exactly-once under contention (with a
negative control on SQLite; PostgreSQL's is in test_postgres_many_workers), SIGKILL recovery,
SIGTERM drain, and the job process (its crash, cancellation and idle exit)."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from core.api import Core
from core.schedules.spec import build_spec
from core.schedules.triggers import cron, once
from core.storage.tables import Run
from tests.support.daemons import Daemon, fire_counts, start, wait_until
from tests.support.fake_llm import FakeLlm, add_profile, ok, timeout
from tests.support.shop import make_shop

pytestmark = pytest.mark.slow


def _world(url: str, tmp_path: Path) -> Iterator[tuple[str, Core]]:
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    yield url, core
    core.close()


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[tuple[str, Core]]:
    """The database URL and the core on it, with a DB profile `shop`; each backend in turn."""
    yield from _world(db_url, tmp_path)


@pytest.fixture
def sqlite_world(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[str, Core]]:
    """As `world`, on SQLite only."""
    yield from _world(sqlite_url, tmp_path)


def at(seconds: float) -> datetime:
    """A naive UTC wall time at least `seconds` from now, rounded up to a whole second (rounding
    down could leave it in the past by the time a loaded machine saves it)."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    if moment.microsecond:
        moment += timedelta(seconds=1)
    return moment.replace(microsecond=0, tzinfo=None)


def add(core: Core, name: str, trigger: Any, **kw: Any) -> int:
    fields = {"name": name, "trigger": trigger, "timezone": "UTC", "db_profile": "shop",
              "scope": ["public.users.email"], **kw}  # fmt: skip
    return core.schedules.create(build_spec(**fields)).id


def alive(core: Core) -> bool:
    from daemon.health import health

    return health(core).alive


def job_processes(daemon: Daemon) -> list[int]:
    """Pids of the job processes `daemon` started, in order."""
    text = daemon.log.read_text(encoding="utf-8") if daemon.log.exists() else ""
    return [int(pid) for pid in re.findall(r"job process (\d+) started", text)]


def running(pid: int) -> bool:
    """Is `pid` a live process (not a zombie)?"""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_one_shot_due_in_two_seconds_fires_within_a_second(
    world: tuple[str, Core], tmp_path: Path
) -> None:
    url, core = world
    daemon = start(url, tmp_path / "d.log")  # the default one-second poll
    try:
        assert wait_until(lambda: alive(core), 20)
        sid = add(core, "soon", once(at(2)))
        assert wait_until(
            lambda: (r := core.runs.latest(sid)) is not None and r.status == "succeeded", 20
        )
        run = core.runs.latest(sid)
        assert run is not None and run.started_at is not None
        late = (run.started_at - run.scheduled_for).total_seconds()
        assert 0 <= late <= 1.0, f"fired {late:.3f} s late"
        assert core.schedules.get(sid).status == "completed"
    finally:
        daemon.stop()


def _many_due(core: Core, n: int) -> list[int]:
    """`n` one-shot schedules, all due now (creating them takes a while on a busy machine)."""
    from sqlalchemy import update

    from core.storage.tables import Schedule

    ids = [add(core, f"burst-{i:03d}", once(at(3600))) for i in range(n)]
    with core.db.write() as s:
        s.execute(
            update(Schedule).where(Schedule.id.in_(ids)).values(next_fire_at=datetime.now(UTC))
        )
    return ids


def test_four_daemons_fire_500_occurrences_exactly_once(
    world: tuple[str, Core], tmp_path: Path
) -> None:
    url, core = world
    ids = _many_due(core, 500)
    daemons = [start(url, tmp_path / f"d{i}.log", "--poll", "0.2", "--worker-id", f"w{i}")
               for i in range(4)]  # fmt: skip
    try:
        assert wait_until(lambda: core.schedules.counts()["completed"] == 500, 240, every=0.5), (
            core.schedules.counts()
        )
    finally:
        for d in daemons:
            d.stop()
    counts = fire_counts(daemons)
    assert sorted(counts) == ids
    assert set(counts.values()) == {1}, [sid for sid, n in counts.items() if n > 1][:10]
    assert all(d.fires() for d in daemons), "every daemon took a share"
    with core.db.read() as s:
        assert s.scalar(select(func.count(Run.id))) == 500


def test_negative_control_a_naive_claim_fires_twice(
    sqlite_world: tuple[str, Core], tmp_path: Path
) -> None:
    url, core = sqlite_world
    _many_due(core, 60)
    daemons: list[Daemon] = [
        start(url, tmp_path / f"n{i}.log", module=["-m", "tests.support.naive_daemon", url,
                                                  str(tmp_path / f"n{i}.log")])
        for i in range(4)
    ]  # fmt: skip
    try:
        assert wait_until(lambda: len(fire_counts(daemons)) >= 60, 120, every=0.5)
    finally:
        for d in daemons:
            d.stop()
    counts = fire_counts(daemons)
    duplicated = [sid for sid, n in counts.items() if n > 1]
    assert duplicated, "the exactly-once check would not notice a broken claim"


def test_sigkill_mid_run_is_recovered_and_retried(world: tuple[str, Core], tmp_path: Path) -> None:
    url, core = world
    with FakeLlm() as llm:
        add_profile(core, llm)
        llm.script(timeout(60))
        sid = add(core, "victim", cron("* * * * *"), llm_profile="slow")
        with core.db.write() as s:  # due now rather than at the next minute
            from core.storage.tables import Schedule

            row = s.get(Schedule, sid)
            assert row is not None
            row.next_fire_at = datetime.now(UTC)
        fast = ("--poll", "0.2", "--heartbeat", "0.5", "--lease", "2")
        first = start(url, tmp_path / "a.log", *fast, "--worker-id", "a")
        # The fire is logged just after the claim commits: wait for the log line itself.
        assert wait_until(lambda: bool(first.fires()), 20)
        [(_sid, run_id, _when)] = first.fires()
        [job_process] = job_processes(first)
        first.process.kill()
        first.wait(10)
        # Its job process goes with it, rather than finishing a run nobody watches.
        assert wait_until(lambda: not running(job_process), 10)
        second = start(url, tmp_path / "b.log", *fast, "--worker-id", "b")
        try:
            assert wait_until(lambda: core.runs.get(run_id).status == "failed", 30)
            lost = core.runs.get(run_id)
            assert lost.error is not None and lost.error.startswith("worker lost on ")
            info = core.schedules.get(sid)
            assert info.status == "pending" and info.retry_count == 1
            assert info.next_fire_at is not None and info.next_fire_at > datetime.now(UTC)
        finally:
            second.stop()
    assert [r.id for r in core.schedules.show(sid).runs] == [run_id], "nothing duplicated"


def test_sigterm_drains_then_releases_the_run(world: tuple[str, Core], tmp_path: Path) -> None:
    url, core = world
    with FakeLlm() as llm:
        add_profile(core, llm)
        llm.script(timeout(60), ok())
        sid = add(core, "long", once(at(1)), llm_profile="slow")
        daemon = start(url, tmp_path / "d.log", "--poll", "0.2", "--grace", "1")
        assert wait_until(lambda: bool(daemon.fires()), 20)
        [(_sid, run_id, _when)] = daemon.fires()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait(30) == 0
    run = core.runs.get(run_id)
    assert run.status == "cancelled" and run.note and "released" in run.note
    info = core.schedules.get(sid)
    assert info.status == "pending" and info.note and "released" in info.note
    log = (tmp_path / "d.log").read_text()
    assert "received SIGTERM" in log and f"run {run_id} released back to the queue" in log


def test_a_killed_job_process_fails_its_run_and_the_retry_succeeds(
    world: tuple[str, Core], tmp_path: Path
) -> None:
    url, core = world
    with FakeLlm() as llm:
        add_profile(core, llm)
        llm.script(timeout(60), ok())
        sid = add(core, "crashy", once(at(1)), llm_profile="slow")
        daemon = start(url, tmp_path / "d.log", "--poll", "0.2", "--retry-base", "1")
        try:
            assert wait_until(lambda: bool(daemon.fires()), 20)
            [(_sid, run_id, _when)] = daemon.fires()
            [job_process] = job_processes(daemon)
            assert wait_until(lambda: len(llm.requests) == 1, 20)  # mid-run: waiting on the LLM
            os.kill(job_process, signal.SIGKILL)  # as the kernel's out-of-memory killer would
            assert wait_until(lambda: core.schedules.get(sid).status == "completed", 30)
            assert daemon.process.poll() is None, "the daemon outlives its job process"
        finally:
            daemon.stop()
    first, retry = core.schedules.show(sid).runs[::-1]
    assert first.id == run_id and first.status == "failed"
    assert first.error == "the job process ended unexpectedly (signal SIGKILL)"
    assert (retry.attempt, retry.status) == (2, "succeeded")
    assert len(job_processes(daemon)) == 2, "a new job process took the retry"


def test_cancelling_a_running_schedule_stops_its_job_at_the_next_table(
    world: tuple[str, Core], tmp_path: Path
) -> None:
    url, core = world
    with FakeLlm() as llm:
        add_profile(core, llm)
        llm.script(timeout(3), ok(), ok())
        sid = add(core, "three tables", once(at(1)), llm_profile="slow",
                  scope=["public.users", "public.orders", "sales.invoices"])  # fmt: skip
        daemon = start(url, tmp_path / "d.log", "--poll", "0.2", "--heartbeat", "0.3")
        try:
            assert wait_until(lambda: bool(daemon.fires()), 20)
            [(_sid, run_id, _when)] = daemon.fires()
            # Cancelled while its first table waits on the model, not before the job starts.
            assert wait_until(lambda: bool(llm.requests), 20)
            core.schedules.cancel(sid)
            assert wait_until(lambda: core.runs.get(run_id).status != "running", 30)
        finally:
            daemon.stop()
    run = core.runs.get(run_id)
    assert run.status == "cancelled"
    assert run.summary is not None and run.summary["cancelled"] is True
    assert len(llm.requests) < 3, "the tables after the cancel were not analysed"
    assert f"run {run_id}: its schedule was cancelled; stopping it" in daemon.log.read_text()


def test_the_job_process_exits_when_idle_and_returns_for_new_work(
    world: tuple[str, Core], tmp_path: Path
) -> None:
    url, core = world
    daemon = start(url, tmp_path / "d.log", "--poll", "0.2", "--jobs-idle-exit", "2")
    try:
        first = add(core, "first", once(at(1)))
        assert wait_until(lambda: core.schedules.get(first).status == "completed", 20)
        [pid] = job_processes(daemon)
        # The analysis code (pydantic's compiled core, say) is mapped in the job process only.
        assert "pydantic_core" in Path(f"/proc/{pid}/maps").read_text()
        assert "pydantic_core" not in Path(f"/proc/{daemon.process.pid}/maps").read_text()
        # Its memory goes back to the system once it has been idle for two seconds.
        assert wait_until(lambda: not running(pid), 10)
        assert f"job process {pid} retired after 2 s without work" in daemon.log.read_text()
        second = add(core, "second", once(at(1)))
        assert wait_until(lambda: core.schedules.get(second).status == "completed", 20)
        assert len(job_processes(daemon)) == 2
    finally:
        daemon.stop()
