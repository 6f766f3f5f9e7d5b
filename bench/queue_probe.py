"""Queue benchmarks on SQLite (or --database-url): the next-due probe at 1,000,000 schedules and a
filtered page of 200 with its total count at 100,000. Prints figures, targets and ratios against
a full-scan baseline measured in the same run.

    .venv/bin/python bench/queue_probe.py [--rows 1000000] [--page-rows 100000]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scratch import scratch_folder
from core.api import Core
from core.clock import FrozenClock
from core.schedules.queue import due_statement
from core.schedules.service import ListQuery

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
STATUSES = ["pending"] * 70 + ["paused"] * 10 + ["completed"] * 10 + ["failed"] * 5 + ["missed"] * 5


def fill(core: Core, rows: int, seed: int = 7) -> float:
    """Insert `rows` schedules in bulk; returns seconds taken."""
    rng = random.Random(seed)
    scope = ["public.users", "public.orders"]
    return insert_schedules(
        core,
        (
            (
                f"schedule-{i:07d}",
                scope,
                rng.choice(STATUSES),
                NOW + timedelta(seconds=rng.randrange(0, 30 * 86_400)),
            )
            for i in range(rows)
        ),
    )


# One schedule to insert: its name, scope, status and next fire time.
Row = tuple[str, list[str], str, datetime]


def insert_schedules(core: Core, rows: Iterable[Row], chunk: int = 20_000) -> float:
    """Insert analysis schedules in bulk (`chunk` to a transaction, times as each backend stores
    them), then ANALYZE; returns seconds taken."""
    sqlite = core.db.engine.dialect.name == "sqlite"
    trigger = json.dumps({"kind": "cron", "expr": "0 2 * * *"})
    stamp = NOW.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    sql = text(
        "INSERT INTO schedules (name, name_key, kind, trigger, timezone, db_profile, database, "
        "scope, scenario, status, next_fire_at, missed_policy, misfire_grace_s, max_retries, "
        "retry_count, version, created_at, updated_at) VALUES (:name, :name, 'analyze', "
        ":trigger, 'Asia/Jakarta', 'shop', NULL, :scope, :scenario, :status, :due, 'ask', 60, "
        "3, 0, 1, :now, :now)"
    )
    started = time.perf_counter()
    batch: list[dict[str, object]] = []

    def flush() -> None:
        with core.db.engine.begin() as conn:
            conn.execute(sql, batch)
        batch.clear()

    for name, scope, status, due in rows:
        batch.append(
            {
                "name": name,
                "trigger": trigger,
                "scope": json.dumps(scope),
                "scenario": json.dumps(
                    {"steps": [{"kind": "analyze", "profile": "shop", "scope": scope}]}
                ),
                "status": status,
                "due": due.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
                if sqlite
                else due,
                "now": stamp if sqlite else NOW,
            }
        )
        if len(batch) == chunk:
            flush()
    if batch:
        flush()
    with core.db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def timings(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds per call."""
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(label: str, ms: list[float], target: float | None = None) -> None:
    p50, p99 = pct(ms, 0.5), pct(ms, 0.99)
    verdict = "" if target is None else ("  ok" if p99 <= target else "  OVER TARGET")
    goal = "" if target is None else f"  (target p99 ≤ {target:g} ms)"
    print(f"  {label:<46} p50 {p50:8.3f} ms   p99 {p99:8.3f} ms{goal}{verdict}")


def open_core(url: str | None, folder: Path, name: str, *, profile: bool = True) -> Core:
    core = Core.open(url or f"sqlite:///{folder / name}", FrozenClock(NOW))
    if profile:
        core.profiles.add_db("shop", f"sqlite:///{folder / 'shop.db'}", create=True)
    return core


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--page-rows", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=1000)
    parser.add_argument("--database-url", help="an empty database (default: a temp SQLite file)")
    args = parser.parse_args()
    folder = scratch_folder()

    core = open_core(args.database_url, folder, "probe.db")
    print(f"engine: {core.db.engine.dialect.name}")
    secs = fill(core, args.rows)
    print(f"filled {args.rows:,} schedules in {secs:.1f} s")
    dialect = core.db.engine.dialect.name
    probe = due_statement(dialect)

    def raw_probe() -> object:
        with core.db.engine.connect() as conn:
            return conn.execute(probe).first()

    scan = text(
        "SELECT id, next_fire_at FROM schedules"
        + (" NOT INDEXED" if dialect == "sqlite" else "")
        + " WHERE status = 'pending' AND deleted_at IS NULL ORDER BY next_fire_at + 0 LIMIT 1"
    )

    def scan_probe() -> object:
        with core.db.engine.connect() as conn:
            return conn.execute(scan).first()

    via_service = timings(core.schedules.next_due, args.probes)
    via_sql = timings(raw_probe, args.probes)
    baseline = timings(scan_probe, 5)
    print(f"next-due probe at {args.rows:,} schedules ({args.probes} probes):")
    report("service.next_due()", via_service, 2.0)
    report("the probe statement alone", via_sql, 2.0)
    report("baseline: same query by full scan (5 runs)", baseline)
    ratio = pct(baseline, 0.5) / pct(via_service, 0.5)
    print(f"  ratio full scan / indexed probe (p50): {ratio:,.0f}x")
    core.close()

    core = open_core(None if args.database_url is None else args.database_url, folder, "page.db")
    if args.database_url is None:
        fill(core, args.page_rows)
        print(f"filled {args.page_rows:,} schedules for paging")
    queries = {
        "pending+failed by next fire, page 1": ListQuery(statuses=frozenset({"pending", "failed"})),
        "paused by name, page 3": ListQuery(
            statuses=frozenset({"paused"}), sort="name", offset=400
        ),
        "all by next fire, page 1": ListQuery(),
    }
    queries["failed only by next fire (1 in 20)"] = ListQuery(statuses=frozenset({"failed"}))
    queries["cancelled only (none at all)"] = ListQuery(statuses=frozenset({"cancelled"}))
    # Set-up garbage out of the way, as a long-running studio does after start-up.
    gc.collect()
    gc.freeze()
    print(f"filtered page of 200 with its total count at {args.page_rows:,} schedules (200 runs):")
    for label, query in queries.items():
        ms = timings(lambda q=query: core.schedules.list(q), 200)  # type: ignore[misc]
        report(label, ms, 10.0)
    # A substring filter has to read every row; shown for scale, not held to the page target.
    ms = timings(lambda: core.schedules.list(ListQuery(text="schedule-00012")), 200)
    report("text filter (reads every row)", ms)
    if core.db.is_sqlite:
        # As on a user's file, where nothing has ever run ANALYZE.
        with core.db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")
        core.close()
        core = open_core(None, folder, "page.db", profile=False)
        print("the same pages without planner statistics (a user's file; 200 runs):")
        for label, query in queries.items():
            ms = timings(lambda q=query: core.schedules.list(q), 200)  # type: ignore[misc]
            report(label, ms, 10.0)
    core.close()


if __name__ == "__main__":
    main()
