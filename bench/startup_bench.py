"""Start-up after downtime on SQLite: the first `amx schedule list` as a whole process with
100,000 overdue schedules (a page of 100, and the whole list of 100,000 rows, whose printing
alone takes about a second and is measured by its own baseline), while a concurrent writer measures its worst wait for the write lock;
then the full missed detection (`amx daemon tick`) with the same writer beside it. Baselines in
the same run: `python -c pass`, and the first list on a database whose 100,000 schedules are all
in the future.

    .venv/bin/python bench/startup_bench.py [--rows 100000] [--no-full]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.queue_probe import pct
from bench.scratch import scratch_folder
from core.api import Core

ROOT = Path(__file__).resolve().parent.parent
AMX = [sys.executable, "-m", "studio_tui.cli"]
TARGET_FIRST_S, TARGET_WAIT_MS = 1.0, 100.0


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def fill(path: Path, rows: int, *, overdue: bool) -> float:
    """A database with `rows` Pending daily schedules, due in the last three days (`overdue`) or
    in the next three; returns seconds taken."""
    started = time.perf_counter()
    core = Core.open(f"sqlite:///{path}")
    core.profiles.add_db("shop", f"sqlite:///{path.parent / 'shop.db'}", create=True)
    rng, now = random.Random(7), datetime.now(UTC)
    sign = -1 if overdue else 1
    sql = text(
        "INSERT INTO schedules (name, kind, trigger, timezone, db_profile, database, scope, "
        "scenario, status, next_fire_at, missed_policy, misfire_grace_s, "
        "max_retries, retry_count, version, created_at, updated_at) VALUES (:name, 'analyze', "
        ":trigger, 'UTC', 'shop', NULL, :scope, :scenario, 'pending', :due, "
        "'ask', 60, 3, 0, 1, :made, :made)"
    )
    trigger = json.dumps({"kind": "cron", "expr": f"{rng.randrange(60)} 2 * * *"})
    scope = json.dumps(["public.users"])
    scenario = json.dumps(
        {"steps": [{"kind": "analyze", "profile": "shop", "scope": ["public.users"]}]}
    )
    made = _stamp(now - timedelta(days=4))
    batch = [
        {
            "name": f"schedule-{i:07d}",
            "trigger": trigger,
            "scope": scope,
            "scenario": scenario,
            "due": _stamp(now + sign * timedelta(seconds=rng.randrange(3600, 3 * 86_400))),
            "made": made,
        }
        for i in range(rows)
    ]
    with core.db.engine.begin() as conn:
        conn.execute(sql, batch)
        conn.exec_driver_sql("ANALYZE")
    core.close()
    return time.perf_counter() - started


class Writer(threading.Thread):
    """Another writer on the same file: a short BEGIN IMMEDIATE transaction every 10 ms, timed
    from asking for the lock to holding it, and to its commit (which may include a WAL
    checkpoint that SQLite runs on the committing connection)."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.waits_ms: list[float] = []  # asking for the write lock until it is held
        self.writes_ms: list[float] = []  # the whole write, commit (and any checkpoint) included
        self.failures = 0
        self._halt = threading.Event()

    def run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        try:
            while not self._halt.wait(0.01):
                started = time.perf_counter()
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    locked = time.perf_counter()
                    conn.execute("UPDATE db_profiles SET name = name")
                    conn.execute("COMMIT")
                except sqlite3.OperationalError:
                    self.failures += 1
                    continue
                self.waits_ms.append((locked - started) * 1000)
                self.writes_ms.append((time.perf_counter() - started) * 1000)
        finally:
            conn.close()

    def stop(self) -> None:
        self._halt.set()
        self.join()


def timed(argv: list[str], path: Path | None) -> tuple[float, Writer | None, str]:
    """Wall seconds of one process, the writer that ran beside it, and its stderr (the process's
    CPU seconds go to CPU_S: on a shared machine they show what wall time hides)."""
    writer = Writer(path) if path else None
    if writer:
        writer.start()
        time.sleep(0.1)
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, check=False)
    took = time.perf_counter() - started
    CPU_S[0] = _children_cpu() - cpu
    if writer:
        writer.stop()
    if done.returncode != 0:
        raise SystemExit(f"{argv} failed ({done.returncode}): {done.stderr}")
    return took, writer, done.stderr.strip()


CPU_S = [0.0]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER TARGET"


def line(label: str, seconds: float, writer: Writer | None, target: float | None = None) -> None:
    goal = "" if target is None else f"  (target ≤ {target:g} s) {verdict(seconds <= target)}"
    print(f"  {label:<52} {seconds * 1000:9.0f} ms  (CPU {CPU_S[0] * 1000:6.0f} ms){goal}")
    if writer is not None:
        waits = writer.waits_ms or [0.0]
        worst = max(waits)
        writes = writer.writes_ms or [0.0]
        print(
            f"  {'  writer beside it: ' + str(len(writer.waits_ms)) + ' writes, lock wait':<52} "
            f"worst {worst:7.1f} ms  p99 {pct(waits, 0.99):6.1f} ms  failed {writer.failures}"
            f"  (target worst ≤ {TARGET_WAIT_MS:g} ms) "
            f"{verdict(worst <= TARGET_WAIT_MS and not writer.failures)}"
        )
        print(
            f"  {'    whole write, commit included':<52} "
            f"worst {max(writes):7.1f} ms  p99 {pct(writes, 0.99):6.1f} ms"
        )


def count_missed(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        missed = conn.execute("SELECT count(*) FROM schedules WHERE status = 'missed'").fetchone()
        runs = conn.execute("SELECT count(*) FROM runs WHERE status = 'missed'").fetchone()
    return int(missed[0]), int(runs[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-full", action="store_true", help="skip the full detection")
    args = parser.parse_args()
    folder = scratch_folder("amx-startup-")
    future, overdue = folder / "future.db", folder / "overdue.db"
    paged = folder / "overdue-paged.db"
    print(
        f"filled {args.rows:,} future schedules in {fill(future, args.rows, overdue=False):.1f} s"
    )
    for path in (overdue, paged):
        took = fill(path, args.rows, overdue=True)
        print(f"filled {args.rows:,} overdue schedules in {took:.1f} s ({path.name})")

    def amx(path: Path, *argv: str) -> list[str]:
        return [*AMX, "--database-url", f"sqlite:///{path}", *argv]

    print("whole processes, wall time:")
    nothing = sorted(timed([sys.executable, "-c", "pass"], None)[0] for _ in range(3))[1]
    line("baseline: python -c pass (median of 3)", nothing, None)
    took, writer, _ = timed(amx(future, "schedule", "list", "--limit", "100"), future)
    line("baseline: first list --limit 100, none overdue", took, writer)
    took, writer, note = timed(amx(paged, "schedule", "list", "--limit", "100"), paged)
    line(f"first list --limit 100, {args.rows:,} overdue", took, writer, TARGET_FIRST_S)
    print(f"  its note: {note or '(none)'}")
    base, writer, _ = timed(amx(future, "schedule", "list"), future)
    line(f"baseline: first whole list ({args.rows:,} rows), none overdue", base, writer)
    took, writer, note = timed(amx(overdue, "schedule", "list"), overdue)
    line(f"first whole list, {args.rows:,} overdue", took, writer)
    print(
        f"  added by the missed check: {(took - base) * 1000:.0f} ms "
        f"(target ≤ {TARGET_FIRST_S:g} s) {verdict(took - base <= TARGET_FIRST_S)}"
    )
    missed, _ = count_missed(overdue)
    print(f"  marked Missed by it: {missed:,};  its note: {note or '(none)'}")
    if args.no_full:
        return
    took, writer, _ = timed(amx(overdue, "daemon", "tick"), overdue)
    line("full detection: amx daemon tick", took, writer)
    missed, runs = count_missed(overdue)
    print(f"  schedules Missed: {missed:,} of {args.rows:,};  missed runs recorded: {runs:,}")
    took, writer, note = timed(amx(overdue, "schedule", "list"), overdue)
    line("list once detection is done", took, writer, TARGET_FIRST_S)


if __name__ == "__main__":
    main()
