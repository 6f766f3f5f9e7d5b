"""Eight daemons on one PostgreSQL, killed at random: every occurrence fires exactly once."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from core.api import Core
from core.spec import build_spec
from core.tables import Run, Schedule
from core.triggers import once
from tests.support.daemons import Daemon, start, wait_until
from tests.support.pg import Cluster
from tests.support.shop import make_shop

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
FAST = ("--poll", "1", "--heartbeat", "1", "--lease", "3", "--retry-base", "1")


def due_now(core: Core, count: int) -> list[int]:
    later = (datetime.now(UTC) + timedelta(days=1)).replace(tzinfo=None, microsecond=0)
    # A burst this size takes a while on two cores: give it the grace to wait its turn.
    fields = {"trigger": once(later), "timezone": "UTC", "db_profile": "shop",
              "scope": ["public.users.email"], "misfire_grace_s": 3600}  # fmt: skip
    ids = [
        core.schedules.create(build_spec(name=f"occ-{i:04d}", **fields)).id for i in range(count)
    ]
    with core.db.write() as s:
        s.execute(
            update(Schedule).where(Schedule.id.in_(ids)).values(next_fire_at=datetime.now(UTC))
        )
    return ids


def successes(core: Core) -> Counter[int]:
    with core.db.read() as s:
        rows = s.execute(
            select(Run.schedule_id, func.count(Run.id))
            .where(Run.status == "succeeded")
            .group_by(Run.schedule_id)
        ).all()
    return Counter({sid: n for sid, n in rows})


def world(cluster: Cluster, tmp_path: Path, name: str) -> tuple[str, Core]:
    url = cluster.create_database(name)
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    return url, core


def test_eight_workers_with_kills_fire_each_occurrence_exactly_once(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url, core = world(pg_cluster, tmp_path, "many")
    ids = due_now(core, 2000)
    rng = random.Random(7)
    serial = iter(range(1000))
    workers: list[Daemon] = []
    everyone: list[Daemon] = []

    def spawn() -> Daemon:
        n = next(serial)
        daemon = start(url, tmp_path / f"w{n}.log", *FAST, "--worker-id", f"host{n}:1:w")
        everyone.append(daemon)
        return daemon

    workers = [spawn() for _ in range(8)]
    kills = 0
    try:
        deadline = time.monotonic() + 300
        while core.schedules.counts()["completed"] < 2000 and time.monotonic() < deadline:
            time.sleep(1.5)
            if kills < 6:
                victim = workers.pop(rng.randrange(len(workers)))
                victim.signal(signal.SIGKILL)
                victim.wait(10)
                kills += 1
                workers.append(spawn())
        counts = core.schedules.counts()
    finally:
        for daemon in everyone:
            daemon.stop()
    done = successes(core)
    assert counts["completed"] == 2000, counts
    assert sorted(done) == ids, "none lost"
    assert set(done.values()) == {1}, [sid for sid, n in done.items() if n > 1][:10]
    with core.db.read() as s:
        per_occurrence = s.execute(
            select(Run.schedule_id, Run.scheduled_for, func.count(Run.id))
            .group_by(Run.schedule_id, Run.scheduled_for)
            .having(func.count(Run.id) > 1)
        ).all()
    assert per_occurrence == []
    print(f"2000 occurrences, 8 workers, {kills} SIGKILLs: {sum(done.values())} successful runs, "
          f"max {max(done.values())} per occurrence")  # fmt: skip
    core.close()


def test_negative_control_naive_claims_fire_twice_on_postgres(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url, core = world(pg_cluster, tmp_path, "naive")
    due_now(core, 100)
    naive = [
        start(url, tmp_path / f"n{i}.log",
              module=["-m", "tests.support.naive_daemon", url, str(tmp_path / f"n{i}.log")])
        for i in range(8)
    ]  # fmt: skip
    try:
        assert wait_until(lambda: len(successes(core)) >= 100, 120, every=0.5)
    finally:
        for daemon in naive:
            daemon.stop()
    done = successes(core)
    twice = [sid for sid, n in done.items() if n > 1]
    print(f"negative control: {len(twice)} of 100 occurrences fired more than once")
    assert twice, "the exactly-once check would not notice a broken claim"
    core.close()
