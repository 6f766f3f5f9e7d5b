"""PostgreSQL as the shared queue: NOTIFY wake-up, the database clock, skew in health."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from core.api import Core
from core.clock import FrozenClock, OffsetClock
from core.db import QUEUE_CHANNEL
from core.spec import build_spec
from core.triggers import cron, once
from daemon.health import health
from daemon.worker import Worker, WorkerConfig
from tests.support.daemons import start, wait_until
from tests.support.pg import Cluster
from tests.support.shop import make_shop

pytestmark = pytest.mark.postgres


def spec(name: str) -> object:
    return build_spec(name=name, trigger=cron("0 3 * * *"), timezone="UTC", db_profile="shop",
                      scope=["public.users.email"])  # fmt: skip


def test_a_change_to_the_queue_notifies_listeners(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = pg_cluster.create_database("notify")
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    with psycopg.connect(
        host=str(pg_cluster.socket_dir), port=pg_cluster.port, user="amx", dbname="notify",
        autocommit=True,
    ) as listener:  # fmt: skip
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
    [reported] = health(core)["workers"]
    assert reported["clock_skew_s"] == pytest.approx(-7 * 3600, abs=5)
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
        assert wait_until(lambda: bool(health(core)["alive"]), 30)
        assert wait_until(lambda: "LISTEN" not in (tmp_path / "d.log").read_text(), 5)
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
        assert wait_until(lambda: bool(health(core)["alive"]), 30)
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
