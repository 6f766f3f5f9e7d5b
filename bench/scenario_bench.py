"""Scenario speed: what the scheduler adds to the steps it runs, beside baselines measured in
the same run (the same child processes spawned directly with subprocess).

(a) Ten parallel `run_command` steps that each `sleep 1`, fire → recorded, in process (tick and
    execute) and through a real `amx daemon run` process; target <= 1.5 s.
(b) Fifty sequential no-op steps (`true`): the scheduler's own cost per step, the scenario's
    time minus fifty `true` processes run one after another, divided by fifty; target <= 20 ms.

    .venv/bin/python bench/scenario_bench.py [--repeat 3] [--pg URL] [--no-daemon]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.api import Core
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from daemon.execute import execute
from daemon.tick import tick
from tests.support.daemons import start, wait_until

PARALLEL, SLEEP_S, PARALLEL_TARGET_S = 10, 1, 1.5
SEQUENTIAL, STEP_TARGET_MS = 50, 20.0
FAR = datetime(2030, 1, 1, 9, 0)  # the schedules' own fire time: never reached here


def median_of(repeat: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(repeat))


def spawn_parallel() -> float:
    """Baseline (a): ten `sleep 1` processes started together and waited for."""
    started = time.perf_counter()
    children = [subprocess.Popen(["sleep", str(SLEEP_S)]) for _ in range(PARALLEL)]
    for child in children:
        child.wait()
    return time.perf_counter() - started


def spawn_sequential() -> float:
    """Baseline (b): fifty `true` processes run one after another."""
    started = time.perf_counter()
    for _ in range(SEQUENTIAL):
        subprocess.run(["true"], check=True)
    return time.perf_counter() - started


def parallel_steps() -> list[dict[str, Any]]:
    step = {"kind": "run_command", "argv": ["sleep", str(SLEEP_S)], "parallel": True}
    return [step] * PARALLEL


def sequential_steps() -> list[dict[str, Any]]:
    return [{"kind": "run_command", "argv": ["true"]}] * SEQUENTIAL


def add(core: Core, name: str, steps: list[dict[str, Any]], fire_at: datetime = FAR) -> int:
    spec = build_spec(name=name, trigger=once(fire_at), timezone="UTC", steps=steps)
    return core.schedules.create(spec).id


def in_process(core: Core, schedule_id: int) -> float:
    """Run now → claimed by a tick → executed → recorded, in this process; seconds."""
    started = time.perf_counter()
    core.schedules.run_now(schedule_id)
    [claimed] = tick(core, "bench", slots=1).claimed
    run = execute(core, claimed)
    took = time.perf_counter() - started
    assert run.status == "succeeded", run.error
    return took


def through_daemon(core: Core, url: str, folder: Path, repeat: int) -> float:
    """Median started → recorded of the parallel scenario run by a real daemon process."""
    daemon = start(url, folder / f"daemon-{core.db.engine.dialect.name}.log", "--poll", "0.05")
    took = []
    try:
        for i in range(repeat):
            due = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0, tzinfo=None)
            sid = add(core, f"daemon-{i}", parallel_steps(), due)
            assert wait_until(
                lambda sid=sid: core.schedules.get(sid).status == "completed", 60, every=0.05
            ), core.schedules.get(sid)
            run = core.runs.latest(sid)
            assert run is not None and run.started_at and run.finished_at
            took.append((run.finished_at - run.started_at).total_seconds())
    finally:
        daemon.stop()
    return statistics.median(took)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def bench(where: str, url: str, folder: Path, args: argparse.Namespace) -> bool:
    core = Core.open(url)
    try:
        wide = add(core, "ten in parallel", parallel_steps())
        long = add(core, "fifty in a row", sequential_steps())
        base_a = median_of(args.repeat, spawn_parallel)
        fan = median_of(args.repeat, lambda: in_process(core, wide))
        base_b = median_of(args.repeat, spawn_sequential)
        row = median_of(args.repeat, lambda: in_process(core, long))
        per_step_ms = (row - base_b) / SEQUENTIAL * 1000
        ok_a, ok_b = fan <= PARALLEL_TARGET_S, per_step_ms <= STEP_TARGET_MS
        print(f"{where}, median of {args.repeat}:")
        print(f"  (a) baseline: {PARALLEL} x sleep {SLEEP_S} spawned together     "
              f"{base_a:7.3f} s")  # fmt: skip
        print(f"      scenario of {PARALLEL} parallel steps, in process  {fan:7.3f} s  "
              f"({fan / base_a:.2f}x)  target <= {PARALLEL_TARGET_S} s  {verdict(ok_a)}")  # fmt: skip
        if not args.no_daemon:
            daemon = through_daemon(core, url, folder, args.repeat)
            ok_d = daemon <= PARALLEL_TARGET_S
            ok_a = ok_a and ok_d
            print(f"      the same through a daemon process      {daemon:7.3f} s  "
                  f"({daemon / base_a:.2f}x)  target <= {PARALLEL_TARGET_S} s  "
                  f"{verdict(ok_d)}")  # fmt: skip
        print(f"  (b) baseline: {SEQUENTIAL} x true one after another        "
              f"{base_b:7.3f} s")  # fmt: skip
        print(f"      scenario of {SEQUENTIAL} sequential steps, in process {row:7.3f} s  "
              f"({row / base_b:.2f}x)")  # fmt: skip
        print(f"      scheduler overhead per step            {per_step_ms:7.1f} ms  "
              f"target <= {STEP_TARGET_MS:g} ms  {verdict(ok_b)}")  # fmt: skip
        return ok_a and ok_b
    finally:
        core.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", metavar="URL", help="also on this (empty) PostgreSQL database")
    parser.add_argument("--no-daemon", action="store_true", help="skip the daemon process run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="amx-bench-") as name:
        folder = Path(name)
        ok = bench("SQLite", f"sqlite:///{folder / 'scenario.db'}", folder, args)
        if args.pg:
            ok = bench("PostgreSQL", args.pg, folder, args) and ok
    print("all targets met" if ok else "some targets missed")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
