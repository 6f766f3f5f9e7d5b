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
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from core.storage.tables import Run, Schedule
from tests.support.daemons import Daemon, start, wait_until
from tests.support.fake_llm import FakeLlm, add_profile, timeout
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


@pytest.mark.slow
def test_a_stalled_worker_is_recovered_by_another_and_its_late_outcome_is_dropped(
    pg_cluster: Cluster, tmp_path: Path
) -> None:
    url = pg_cluster.create_database("stalled_worker")
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    with FakeLlm() as llm:
        add_profile(core, llm)
        llm.script(timeout(6.0))  # the first answer takes 6 s; the retry's comes at once
        due = (datetime.now(UTC) + timedelta(seconds=2)).replace(microsecond=0, tzinfo=None)
        spec = build_spec(name="stalled", trigger=once(due), timezone="UTC", db_profile="shop",
                          scope=["public.users.email"], llm_profile="slow")  # fmt: skip
        sid = core.schedules.create(spec).id
        fast = ("--poll", "0.2", "--heartbeat", "0.5", "--lease", "2", "--retry-base", "1")
        a = start(url, tmp_path / "a.log", *fast, "--worker-id", "a")
        b = None
        try:
            assert wait_until(lambda: len(llm.requests) == 1, 30)
            [(_sid, first, _when)] = a.fires()
            a.signal(signal.SIGSTOP)  # a frozen host: no heartbeat, lease lapses, run in hand
            b = start(url, tmp_path / "b.log", *fast, "--worker-id", "b")
            # Generous: should `a` have frozen inside a transaction, the server ends it at 60 s.
            assert wait_until(lambda: core.schedules.get(sid).status == "completed", 120)
            a.signal(signal.SIGCONT)
            assert wait_until(lambda: "keeping the recorded outcome" in a.log.read_text(), 30)
            runs = {r.id: r for r in core.schedules.show(sid).runs}
            assert len(runs) == 2, runs
            lost = runs[first]
            assert lost.status == "failed" and (lost.error or "").startswith("worker lost on ")
            [retry] = [r for r in runs.values() if r.id != first]
            assert retry.status == "succeeded" and retry.worker_id == "b" and retry.attempt == 2
            assert core.schedules.get(sid).status == "completed", "the late outcome changed nothing"
            assert a.process.poll() is None and "Traceback" not in a.log.read_text()
        finally:
            a.signal(signal.SIGCONT)
            a.stop()
            if b is not None:
                b.stop()
            core.close()
