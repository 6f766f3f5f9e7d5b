"""A daemon killed in the middle of a scenario, with real daemon processes: the run is recovered
as lost and retried by another daemon, and every step succeeds exactly once; the killed
daemon's job process and the step's own child do not linger."""

from __future__ import annotations

import os
import re
import signal
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.api import Core
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from tests.support.daemons import Daemon, start, stop_all, wait_until

pytestmark = pytest.mark.slow
PY = sys.executable
FAST = ("--poll", "0.2", "--heartbeat", "0.5", "--lease", "2", "--retry-base", "1")


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[str, Core]]:
    """The database URL and the core on it; each backend in turn."""
    core = Core.open(db_url)
    yield db_url, core
    core.close()
    stop_all()


def step(log: Path, word: str, *, pid_file: Path | None = None, sleep: float = 0) -> dict[str, Any]:
    """A run_command step that appends `word` to `log` when it finishes (after `sleep`
    seconds, having written its pid to `pid_file`)."""
    code = "import os, time\n"
    if pid_file is not None:
        code += f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
    code += f"time.sleep({sleep})\nopen({str(log)!r}, 'a').write({word!r} + '\\n')\n"
    return {"kind": "run_command", "argv": [PY, "-c", code], "name": word}


def at(seconds: float) -> datetime:
    """A naive UTC wall time at least `seconds` from now, on a whole second."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return (moment + timedelta(seconds=1)).replace(microsecond=0, tzinfo=None)


def job_processes(daemon: Daemon) -> list[int]:
    text = daemon.log.read_text(encoding="utf-8") if daemon.log.exists() else ""
    return [int(pid) for pid in re.findall(r"job process (\d+) started", text)]


def running(pid: int) -> bool:
    """Is `pid` a live process (not a zombie)?"""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_daemon_killed_mid_scenario_every_step_succeeds_exactly_once(
    world: tuple[str, Core], tmp_path: Path
) -> None:
    url, core = world
    log, pid_file = tmp_path / "steps.txt", tmp_path / "step2.pid"
    steps = [
        step(log, "step1"),
        step(log, "step2", pid_file=pid_file, sleep=4),
        step(log, "step3"),
        step(log, "step4"),
    ]
    spec = build_spec(
        name="four steps", trigger=once(at(1)), timezone="UTC", steps=steps, max_retries=2
    )
    sid = core.schedules.create(spec).id

    first = start(url, tmp_path / "a.log", *FAST, "--worker-id", "a")
    assert wait_until(lambda: pid_file.exists() and pid_file.read_text() != "", 30)
    [(_sid, run_id, _when)] = first.fires()
    [job_process] = job_processes(first)
    child = int(pid_file.read_text())
    assert running(child), "step 2 is running"
    first.signal(signal.SIGKILL)
    first.wait(10)
    # Neither the job process nor the step's child finishes a run nobody watches.
    assert wait_until(lambda: not running(job_process), 10), "the job process lingers"
    assert wait_until(lambda: not running(child), 10), "the step's child lingers"
    assert log.read_text().split() == ["step1"]

    second = start(url, tmp_path / "b.log", *FAST, "--worker-id", "b")
    try:
        assert wait_until(lambda: core.schedules.get(sid).status == "completed", 60), (
            core.schedules.get(sid)
        )
    finally:
        second.stop()

    lost, retry = core.schedules.show(sid).runs[::-1]
    assert lost.id == run_id and lost.status == "failed"
    assert lost.error is not None and lost.error.startswith("worker lost on ")
    assert (retry.trigger, retry.attempt, retry.status) == ("retry", 2, "succeeded")
    counts = Counter(log.read_text().split())
    done = core.runs.steps.of_run(retry.id)
    shown = [(s.label, s.status, s.attempt, s.carried_from) for s in done]
    print(f"\nkill test on {'postgresql' if core.db.is_postgres else 'sqlite'}:")
    print(f"  lines written per step: {dict(sorted(counts.items()))}")
    print(f"  lost run {lost.id}: {lost.error}")
    print(f"  retry run {retry.id} (attempt {retry.attempt}) step runs: {shown}")
    print(f"  killed daemon's job process {job_process} and step child {child} gone")
    assert counts == {"step1": 1, "step2": 1, "step3": 1, "step4": 1}
    assert [(s.position, s.status) for s in done] == [(i, "succeeded") for i in range(4)]
    assert done[0].carried_from == run_id, "step 1 was carried from the lost run"
    assert [s.carried_from for s in done[1:]] == [None, None, None]
    assert done[1].attempt == 2, "step 2 ran again as its second attempt"
    assert not running(child) and os.path.exists(log)


def test_a_killed_job_process_takes_its_steps_children_with_it(
    world: tuple[str, Core], tmp_path: Path
) -> None:
    """The job process dies hard (SIGKILL: it cannot clean up); its daemon, told of each step's
    process group, kills what the step left running, grandchildren included."""
    url, core = world
    pid_file = tmp_path / "grandchild.pid"
    script = f"sleep 60 & echo $! > {pid_file}; wait"
    spec = build_spec(
        name="long command",
        trigger=once(at(1)),
        timezone="UTC",
        steps=[{"kind": "run_command", "argv": ["sh", "-c", script]}],
        max_retries=0,
    )
    sid = core.schedules.create(spec).id
    daemon = start(url, tmp_path / "a.log", *FAST, "--worker-id", "a")
    try:
        assert wait_until(lambda: pid_file.exists() and pid_file.read_text().strip() != "", 30)
        [job_process] = job_processes(daemon)
        grandchild = int(pid_file.read_text())
        os.kill(job_process, signal.SIGKILL)
        assert wait_until(lambda: not running(grandchild), 10), "the step's grandchild lingers"
        assert wait_until(lambda: core.schedules.get(sid).status == "failed", 30)
    finally:
        daemon.stop()
    assert "killed process group" in daemon.log.read_text(encoding="utf-8")
