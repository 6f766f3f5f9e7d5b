"""Missed detection after a long downtime: chunked, once per schedule, never blocking writers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from core.api import Core
from core.clock import FrozenClock
from core.schedules.queue import CHUNK, detect_missed
from core.storage.engine import Database
from core.storage.tables import Run, Schedule
from tests.support.cli import Amx
from tests.support.overdue import fill_overdue

ROOT = Path(__file__).resolve().parent.parent

DETECTOR = """
import sys, time
from datetime import datetime
from pathlib import Path
from core.schedules.queue import detect_missed
from core.storage.engine import Database
db = Database(sys.argv[1])
now, go = datetime.fromisoformat(sys.argv[2]), Path(sys.argv[3])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
print(len(detect_missed(db, now)), flush=True)
"""


def detector(url: str, clock: FrozenClock, go: Path) -> subprocess.Popen[str]:
    """A separate process that runs missed detection once `go` exists."""
    process = subprocess.Popen(
        [sys.executable, "-c", DETECTOR, url, clock.now().isoformat(), str(go)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def missed_runs(core: Core) -> Counter[int]:
    with core.db.read() as session:
        found = session.scalars(select(Run.schedule_id).where(Run.status == "missed")).all()
    return Counter(found)


def statuses(core: Core) -> dict[str, str]:
    with core.db.read() as session:
        return {
            name: status for name, status in session.execute(select(Schedule.name, Schedule.status))
        }


def test_detection_in_chunks_marks_every_overdue_schedule_once(
    core: Core, clock: FrozenClock
) -> None:
    count = 2 * CHUNK + 57
    fill_overdue(core.db, count, clock.now())
    fill_overdue(core.db, 1, clock.now() + timedelta(minutes=59, seconds=30), prefix="in-grace")
    fill_overdue(core.db, 2, clock.now(), prefix="wide-grace")
    with core.db.write() as session:  # due an hour or more ago, but allowed a day's grace
        session.execute(
            update(Schedule).where(Schedule.name.like("wide-grace%")).values(misfire_grace_s=86_400)
        )

    changed = detect_missed(core.db, clock.now())

    assert len(changed) == count == len({row.id for row in changed})
    found = statuses(core)
    assert Counter(found.values()) == {"missed": count, "pending": 3}
    assert all(found[name] == "pending" for name in found if "grace" in name)
    runs = missed_runs(core)
    assert len(runs) == count and set(runs.values()) == {1}
    assert all(row.status == "missed" and row.version == 2 for row in changed)
    assert detect_missed(core.db, clock.now()) == []


def test_two_processes_detecting_at_once_mark_each_schedule_once(
    core: Core, clock: FrozenClock, db_url: str, tmp_path: Path
) -> None:
    count = 20 * CHUNK
    fill_overdue(core.db, count, clock.now())
    go = tmp_path / "go"
    first, second = detector(db_url, clock, go), detector(db_url, clock, go)
    go.touch()
    outputs = [p.communicate(timeout=300)[0] for p in (first, second)]

    assert [p.returncode for p in (first, second)] == [0, 0]
    assert sum(int(out) for out in outputs) == count
    assert Counter(statuses(core).values()) == {"missed": count}
    runs = missed_runs(core)
    assert len(runs) == count and set(runs.values()) == {1}


def test_a_writer_is_not_refused_while_detection_runs(
    sqlite_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    core = Core.open(sqlite_url, clock)
    try:
        count = 6000  # several seconds of detection: longer than the 5 s busy timeout
        fill_overdue(core.db, count, clock.now())
        fill_overdue(core.db, 1, clock.now() + timedelta(days=2), prefix="later")
        with core.db.read() as session:
            later = session.scalars(select(Schedule.id).where(Schedule.name.like("later%"))).one()
        go = tmp_path / "go"
        process = detector(sqlite_url, clock, go)
        go.touch()
        time.sleep(0.5)  # the detection is under way

        for _ in range(3):
            assert core.schedules.pause(later).status == "paused"
            assert core.schedules.resume(later).status == "pending"
        still_running = process.poll() is None
        out, _ = process.communicate(timeout=600)

        assert still_running, "detection ended before the writes: the test proves nothing"
        assert int(out) == count
        assert Counter(statuses(core).values()) == {"missed": count, "pending": 1}
    finally:
        core.close()


def test_first_command_after_downtime_answers_and_says_detection_is_in_progress(
    amx: Amx, clock: FrozenClock
) -> None:
    count = 5000
    db = Database(amx.url)
    try:
        fill_overdue(db, count, clock.now())
    finally:
        db.dispose()

    assert amx("schedule", "list") == 0, amx.err

    assert "the check for missed runs is still in progress" in amx.err
    core = Core.open(amx.url, clock)
    try:
        missed = Counter(statuses(core).values())["missed"]
        assert 0 < missed < count  # it did some, in bounded time, and said the rest is to come
        left = f"it has yet to reach {count - missed:,} schedules whose fire time has passed"
        assert left in amx.err
        core.schedules.detect_missed()  # as the daemon or the studio would, to the end
    finally:
        core.close()
    assert amx("schedule", "list") == 0, amx.err
    assert "missed runs" not in amx.err
