"""PostgreSQL as the shared queue: NOTIFY wake-up, the database clock, skew in health."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.api import Core
from core.clock import FrozenClock, OffsetClock
from core.errors import StorageError
from core.schedules import kept_counts
from core.schedules.spec import build_spec
from core.schedules.triggers import cron, once
from core.storage.engine import QUEUE_CHANNEL, Database
from daemon.claim import Claimed, claim_due
from daemon.health import health
from daemon.worker import Worker, WorkerConfig
from tests.support.daemons import start, wait_until
from tests.support.fake_llm import FakeLlm, add_profile, timeout
from tests.support.pg import Cluster, start_cluster
from tests.support.shop import make_shop

pytestmark = pytest.mark.postgres


def spec(name: str) -> object:
    return build_spec(name=name, trigger=cron("0 3 * * *"), timezone="UTC", db_profile="shop",
                      scope=["public.users.email"])  # fmt: skip


def test_a_change_to_the_queue_notifies_listeners(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = pg_cluster.create_database("notify")
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    with pg_cluster.connect("notify") as listener:
        listener.execute(f"LISTEN {QUEUE_CHANNEL}")
        info = core.schedules.create(spec("nightly"))  # type: ignore[arg-type]
        assert [n.channel for n in listener.notifies(timeout=2, stop_after=1)] == [QUEUE_CHANNEL]
        core.schedules.run_now(info.id)
        assert len(list(listener.notifies(timeout=2, stop_after=1))) == 1
    core.close()


def test_fire_times_follow_the_database_clock(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = pg_cluster.create_database("skew")
    # This "host" is 7 hours behind the database server.
    clock = OffsetClock(FrozenClock(datetime.now(UTC) - timedelta(hours=7)))
    core = Core.open(url, clock)
    worker = Worker(core, WorkerConfig(worker_id="skewed:1:a"))
    skew = worker._measure_clock()
    assert skew is not None and abs(skew + 7 * 3600) < 5
    assert abs((clock.now() - core.db.server_now()).total_seconds()) < 5
    from daemon.heartbeat import register

    register(core.db, worker.id, clock.now(), skew)
    [reported] = health(core).workers
    assert reported.clock_skew_s == pytest.approx(-7 * 3600, abs=5)
    core.close()


@pytest.mark.slow
def test_run_now_wakes_a_daemon_at_once_despite_a_long_poll(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url = pg_cluster.create_database("wake")
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    sid = core.schedules.create(spec("on demand")).id  # type: ignore[arg-type]
    daemon = start(url, tmp_path / "d.log", "--poll", "5")
    try:
        assert wait_until(lambda: health(core).alive, 30)
        assert wait_until(lambda: "LISTEN" not in (tmp_path / "d.log").read_text(), 5)
        # A first run, woken the same way, waits out the daemon's first pass, which on a busy
        # machine can take longer than the second below: only then is it surely napping.
        first = core.schedules.run_now(sid).run
        assert first is not None
        assert wait_until(lambda: core.runs.get(first.id).status == "succeeded", 30)
        time.sleep(1.0)  # the daemon is now asleep in its five-second poll
        queued = core.schedules.run_now(sid).run
        assert queued is not None
        assert wait_until(lambda: core.runs.get(queued.id).status != "queued", 5, every=0.01)
        started = core.runs.get(queued.id).started_at
        assert started is not None
        waited = (started - queued.scheduled_for).total_seconds()
        assert waited < 0.2, f"run-now started {waited:.3f} s after the request"
    finally:
        daemon.stop()
        core.close()


@pytest.mark.slow
def test_a_new_schedule_due_soon_fires_on_time_despite_a_long_poll(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url = pg_cluster.create_database("soon")
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    daemon = start(url, tmp_path / "d.log", "--poll", "30")
    try:
        assert wait_until(lambda: health(core).alive, 30)
        time.sleep(1.0)  # nothing is queued: the daemon sleeps out its thirty-second poll
        due = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0)
        soon = build_spec(name="soon", trigger=once(due.replace(tzinfo=None)), timezone="UTC",
                          db_profile="shop", scope=["public.users.email"])  # fmt: skip
        sid = core.schedules.create(soon).id
        assert wait_until(lambda: core.schedules.show(sid).runs, 10, every=0.01)
        [run] = core.schedules.show(sid).runs
        assert run.started_at is not None
        late = (run.started_at - due).total_seconds()
        assert 0 <= late < 0.2, f"fired {late:.3f} s after its time"
    finally:
        daemon.stop()
        core.close()


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A server of the test's own, so stopping it touches no other test."""
    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.mark.slow
def test_a_daemon_rides_out_a_database_outage(own_cluster: Cluster, tmp_path: Path) -> None:
    url = own_cluster.create_database("outage")
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    sid = core.schedules.create(spec("on demand")).id  # type: ignore[arg-type]
    daemon = start(url, tmp_path / "d.log", "--poll", "0.2", "--heartbeat", "0.5")
    try:
        assert wait_until(lambda: health(core).alive, 30)
        own_cluster.pause()
        time.sleep(3)  # every poll meanwhile finds the database gone
        own_cluster.resume()
        core.db.engine.dispose()  # our own pooled connections died with the server
        queued = core.schedules.run_now(sid).run
        assert queued is not None
        assert wait_until(lambda: core.runs.get(queued.id).status == "succeeded", 30)
        assert daemon.process.poll() is None, "the daemon kept running"
        log = (tmp_path / "d.log").read_text()
        assert "tick failed: cannot reach the database" in log
        assert "tick works again after" in log
        assert log.count("Traceback") == 0, "an unreachable database is one line, not a traceback"
        assert len(log.splitlines()) < 15, log
    finally:
        daemon.stop()
        core.close()
    assert daemon.process.returncode == 0


def test_a_server_lost_between_claim_and_nap_does_not_end_the_worker(
    own_cluster: Cluster, tmp_path: Path
) -> None:
    url = own_cluster.create_database("lost")
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    sid = core.schedules.create(spec("on demand")).id  # type: ignore[arg-type]
    lost = threading.Event()

    def claim_then_lose_the_server(*args: Any) -> list[Claimed]:
        claimed = claim_due(*args)
        if not lost.is_set():
            own_cluster.pause()  # the worker next asks for the next due time, and finds no server
            lost.set()
        return claimed

    worker = Worker(core, WorkerConfig(poll=0.1, heartbeat=0.2), claim=claim_then_lose_the_server)
    loop = threading.Thread(target=worker.run)
    loop.start()
    try:
        assert lost.wait(10)
        time.sleep(1)
        assert loop.is_alive(), "the worker ended when the database went away"
        own_cluster.resume()
        core.db.engine.dispose()
        queued = core.schedules.run_now(sid).run
        assert queued is not None
        assert wait_until(lambda: core.runs.get(queued.id).status == "succeeded", 30)
    finally:
        worker.stop()
        loop.join(30)
        core.close()


@pytest.mark.slow
def test_an_outcome_reached_while_the_database_is_away_is_recorded_when_it_is_back(
    own_cluster: Cluster, tmp_path: Path
) -> None:
    url = own_cluster.create_database("away")
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    with FakeLlm() as llm:
        add_profile(core, llm)
        llm.script(timeout(3.0))  # the answer comes after 3 s, while the database is away
        slow = build_spec(name="slow", trigger=cron("0 3 * * *"), timezone="UTC",
                          db_profile="shop", scope=["public.users.email"], llm_profile="slow")  # fmt: skip
        sid = core.schedules.create(slow).id
        daemon = start(url, tmp_path / "d.log", "--poll", "0.2")
        try:
            assert wait_until(lambda: health(core).alive, 30)
            run = core.schedules.run_now(sid).run
            assert run is not None
            assert wait_until(lambda: len(llm.requests) == 1, 20)
            own_cluster.pause()
            time.sleep(5)  # the job ends meanwhile, and cannot record it
            own_cluster.resume()
            core.db.engine.dispose()
            assert wait_until(lambda: core.runs.get(run.id).status != "running", 30)
            ended = core.runs.get(run.id)
            assert ended.status == "failed" and ended.error is not None
            assert "cannot reach the database" in ended.error
            assert "worker lost" not in (ended.note or "") + ended.error
            assert daemon.process.poll() is None
            log = (tmp_path / "d.log").read_text()
            assert f"recording run {run.id} works again" in log
            assert "Traceback" not in log
        finally:
            daemon.stop()
            core.close()


def test_folding_the_counts_on_a_server_gone_down_says_it_cannot_reach_the_database(
    own_cluster: Cluster,
) -> None:
    url = own_cluster.create_database("fold")
    core = Core.open(url)
    unlooked = Database(url, migrate=False)  # has not yet looked whether the counts are kept
    try:
        kept_counts.fold(core.db)  # the pool now holds a connection used a moment ago
        own_cluster.pause()
        for db in (core.db, unlooked):
            with pytest.raises(StorageError, match="cannot reach the database"):
                kept_counts.fold(db)
    finally:
        own_cluster.resume()
        unlooked.dispose()
        core.close()
