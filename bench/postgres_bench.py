"""PostgreSQL as the shared queue, on a throwaway cluster with 1,000,000 schedules.

Prints: the next-due probe p50/p99, a fire transaction of 100 claims p50/p99, sustained claims
per second with 8 worker processes, and run-now firing lateness with NOTIFY (a daemon polling
every 5 s), each beside its target.

    .venv/bin/python bench/postgres_bench.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bench.queue_probe as queue_probe
from bench.scratch import scratch_folder
from core.api import Core
from core.schedules.queue import due_statement
from core.storage.engine import Database
from daemon.claim import claim_due
from tests.support.daemons import start, wait_until
from tests.support.pg import start_cluster
from tests.support.shop import make_shop

LEASE = timedelta(seconds=90)


def claimer(url: str, seconds: float, name: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    db = Database(url, migrate=False)
    later = datetime.now(UTC) + timedelta(days=400)  # every pending row is due
    claimed, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        claimed += len(claim_due(db, later, name, 20, LEASE))
    out.put(claimed)
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    cluster = start_cluster()
    folder = scratch_folder()
    try:
        url = cluster.create_database("bench")
        core = Core.open(url)
        core.profiles.add_db("shop", make_shop(folder / "shop"))
        queue_probe.NOW = datetime.now(UTC) + timedelta(days=1)
        started = time.perf_counter()
        queue_probe.fill(core, args.rows)
        print(f"filled {args.rows:,} schedules in {time.perf_counter() - started:.0f} s")
        with core.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE schedules")
        # Set-up garbage out of the way, as a long-running daemon's is after start-up.
        gc.collect()
        gc.freeze()
        probe = due_statement("postgresql")

        def one_probe() -> object:
            with core.db.engine.connect() as conn:
                return conn.execute(probe).first()

        ms = queue_probe.timings(one_probe, 1000)
        queue_probe.report("next-due probe (1,000 probes)", ms, 2.0)
        later = datetime.now(UTC) + timedelta(days=400)
        ms = queue_probe.timings(lambda: claim_due(core.db, later, "bench", 100, LEASE), 100)
        queue_probe.report("fire transaction of 100 claims (100 runs)", ms, 15.0)
        out: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
        procs = [
            multiprocessing.Process(target=claimer, args=(url, 10.0, f"w{i}", out))
            for i in range(8)
        ]
        for p in procs:
            p.start()
        total = sum(out.get() for _ in procs)
        for p in procs:
            p.join()
        print(f"  claims per second, 8 workers for 10 s:  {total / 10:,.0f}/s  (target >= 2,000/s)")
        with core.db.engine.begin() as conn:  # put the benchmark's claims back
            conn.exec_driver_sql("DELETE FROM runs")
            conn.exec_driver_sql(
                "UPDATE schedules SET status = 'pending', claimed_by = NULL, lease_until = NULL "
                "WHERE status = 'running'"
            )
        sid = core.schedules.list().items[0].id
        daemon = start(url, folder / "d.log", "--poll", "5")
        try:
            assert wait_until(lambda: bool(core.schedules.counts()), 30)
            time.sleep(3)
            late = []
            for _ in range(50):
                queued = core.schedules.run_now(sid).run
                assert queued is not None
                assert wait_until(
                    lambda q=queued: core.runs.get(q.id).status != "queued", 10, every=0.005
                )
                run = core.runs.get(queued.id)
                assert run.started_at is not None
                late.append((run.started_at - queued.scheduled_for).total_seconds() * 1000)
                wait_until(lambda q=queued: core.runs.get(q.id).status != "running", 30, every=0.02)
        finally:
            daemon.stop()
        queue_probe.report("run-now lateness with NOTIFY, 5 s poll (50)", late, 100.0)
        core.close()
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
