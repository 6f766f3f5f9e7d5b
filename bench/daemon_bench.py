"""Daemon benchmarks with a real `amx daemon run` process on a SQLite file.

Prints: firing lateness p50/p99 over 1,000 fires at the default 1 s poll and at a 50 ms poll;
idle worker RSS and CPU over 60 s with 10,000 pending schedules, before any job ran and after 20
jobs (once their job process has exited), and the latter on PostgreSQL too when its server
programs are installed; claims per second, with a baseline of plain single-row write
transactions measured in the same run (bench/claims_bench.py, which also runs alone).

    .venv/bin/python bench/daemon_bench.py [--fires 1000] [--idle 60]
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.claims_bench import claims_lines, measure
from bench.queue_probe import fill, pct
from bench.scratch import scratch_folder
from core.api import Core
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from core.storage.tables import Run
from tests.support.daemons import start, wait_until
from tests.support.pg import find_bindir, start_cluster
from tests.support.shop import make_shop

ROOT = Path(__file__).resolve().parent.parent


def lateness(folder: Path, fires: int, poll: float, per_second: int) -> list[float]:
    url = f"sqlite:///{folder / f'late-{poll}.db'}"
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(folder / "shop"))
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=15)
    for i in range(fires):
        due = (first + timedelta(seconds=i // per_second)).replace(tzinfo=None)
        spec = build_spec(name=f"f{i}", trigger=once(due), timezone="UTC", db_profile="shop",
                          scope=["public.users.email"])  # fmt: skip
        core.schedules.create(spec)
    daemon = start(url, folder / f"late-{poll}.log", "--poll", str(poll), "--concurrency", "8")
    try:
        done = wait_until(lambda: core.schedules.counts()["completed"] >= fires, 600, every=1.0)
    finally:
        daemon.stop()
    assert done, core.schedules.counts()
    with core.db.read() as session:
        runs = session.query(Run).all()
        late = [
            ((r.started_at or r.scheduled_for) - r.scheduled_for).total_seconds() * 1000
            for r in runs
        ]
    core.close()
    return late


def _status(pid: int, field: str) -> float:
    """A `/proc/PID/status` size field (VmRSS, VmHWM) in MB."""
    line = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith(f"{field}:"))  # fmt: skip
    return int(line.split()[1]) / 1024


def _job_process(log: Path) -> int | None:
    found = re.findall(r"job process (\d+) started", log.read_text(encoding="utf-8"))
    return int(found[-1]) if found else None


def idle(
    url: str, folder: Path, seconds: float, pending: int, jobs: int
) -> tuple[float, float, float | None]:
    """RSS and CPU of an idle worker over `seconds`; first it runs `jobs` jobs (if any) and waits
    for its job process to retire, whose peak RSS is the third figure."""
    core = Core.open(url)
    core.profiles.add_db("shop", make_shop(folder / "shop"))
    fill(core, pending)
    with core.db.engine.begin() as conn:  # far in the future: nothing fires while we watch
        conn.execute(
            text(
                "UPDATE schedules SET status = 'pending', next_fire_at = '2030-01-01 00:00:00.000000'"
            )
        )
    log = folder / f"idle-{jobs}-{core.db.engine.dialect.name}.log"
    daemon = start(url, log, "--jobs-idle-exit", "5")
    pid = daemon.process.pid
    job_peak = None
    if jobs:
        due = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0, tzinfo=None)
        for i in range(jobs):
            spec = build_spec(name=f"warm-{i}", trigger=once(due), timezone="UTC",
                              db_profile="shop", scope=["public.users", "public.orders"])  # fmt: skip
            core.schedules.create(spec)
        assert wait_until(lambda: core.schedules.counts()["completed"] >= jobs, 120, every=0.5)
        helper = _job_process(log)
        assert helper is not None
        job_peak = _status(helper, "VmHWM")
        assert wait_until(lambda: not Path(f"/proc/{helper}").exists(), 30), "job process stays"
    time.sleep(5)  # start-up done
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    before, started = cpu(), time.monotonic()
    time.sleep(seconds)
    used, wall = cpu() - before, time.monotonic() - started
    rss = _status(pid, "VmRSS")
    daemon.stop()
    core.close()
    return rss, 100 * used / wall, job_peak


def report_idle(
    where: str, figures: tuple[float, float, float | None], jobs: int, args: argparse.Namespace
) -> None:
    rss, cpu, job_peak = figures
    after = f"after {jobs} jobs" if jobs else "no job run yet"
    print(f"idle worker{where} ({after}), {args.pending:,} pending, {args.idle:g} s: "
          f"RSS {rss:.1f} MB (target <= 60), CPU {cpu:.2f} % (target <= 0.5)")  # fmt: skip
    if job_peak is not None:
        print(f"  its job process peaked at {job_peak:.1f} MB and exited when idle")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fires", type=int, default=1000)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument(
        "--jobs", type=int, default=20, help="jobs run before the second idle watch"
    )
    parser.add_argument("--per-second", type=int, default=5, help="fires due in the same second")
    args = parser.parse_args()
    # An installed package has its modules compiled; from a source tree (or with
    # PYTHONDONTWRITEBYTECODE set) each daemon would compile them again at start-up, and the
    # compiler's garbage would be counted as the daemon's memory.
    for package in ("core", "daemon", "studio_tui", "themes"):
        compileall.compile_dir(ROOT / package, quiet=1)
    folder = scratch_folder()
    for poll, target in ((1.0, 1000.0), (0.05, 100.0)):
        late = lateness(folder, args.fires, poll, per_second=args.per_second)
        print(f"firing lateness, poll {poll:g} s, {len(late)} fires: p50 {pct(late, 0.5):7.1f} ms  "
              f"p99 {pct(late, 0.99):7.1f} ms  (target p99 <= {target:g} ms)")  # fmt: skip
    for jobs in (0, args.jobs):
        url = f"sqlite:///{folder / f'idle-{jobs}.db'}"
        report_idle("", idle(url, folder, args.idle, args.pending, jobs), jobs, args)
    if find_bindir() is not None:  # the same on PostgreSQL, for comparison (no target given)
        cluster = start_cluster()
        try:
            url = cluster.create_database("idle")
            report_idle(" on PostgreSQL", idle(url, folder, args.idle, args.pending, args.jobs),
                        args.jobs, args)  # fmt: skip
        finally:
            cluster.stop()
    print(claims_lines(*measure(folder / "claims", rows=100_000, seconds=3, rounds=1)))


if __name__ == "__main__":
    main()
