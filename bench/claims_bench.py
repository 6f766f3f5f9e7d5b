"""SQLite claims per second, alone: batches of 1 and of 10 against 100,000 due schedules, beside
a baseline of plain single-row write transactions measured in the same run on the same file.

    .venv/bin/python bench/claims_bench.py [--rows 100000] [--seconds 3] [--rounds 3]

Each round measures claims of 1, claims of 10, then the baseline (rounds interleave, so a noisy
neighbour weighs on both sides); the best round of each is printed. The baseline's UPDATE
matches no row and so writes no page; a write that changes one row is printed for context. Target: claims of one at
0.5x the baseline or better.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.queue_probe import fill
from bench.scratch import scratch_folder
from core.api import Core
from daemon.claim import claim_due

TARGET = 0.5
NOW = datetime(2027, 1, 1, tzinfo=UTC)  # every pending row the probe fills is due
LEASE = timedelta(seconds=90)


def rate(step: Callable[[], int], seconds: float) -> float:
    """Units per second that `step` (returning how many it did) reaches in `seconds`."""
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        done += step()
    return done / (time.perf_counter() - started)


def plain_write(core: Core) -> int:
    """The baseline: a write transaction of one single-row UPDATE through the ordinary write
    path. It matches no row, so it writes no page: the cost of a write transaction itself."""
    with core.db.write() as session:
        session.execute(text("UPDATE workers SET pid = pid WHERE id = 'none'"))
    return 1


def row_write(core: Core) -> int:
    """For context: a write transaction that changes one schedule row, so it appends a page to
    the WAL and shares in the checkpoints, as a claim does (with about eight pages)."""
    with core.db.write() as session:
        session.execute(
            text("UPDATE schedules SET updated_at = :at WHERE id = 1"),
            {"at": f"2026-01-01 00:00:00.{time.perf_counter_ns() % 1_000_000:06d}"},
        )
    return 1


def claim(core: Core, batch: int) -> int:
    """One claim of up to `batch` due schedules; the due rows must not run out mid-measure."""
    won = len(claim_due(core.db, NOW, "bench", batch, LEASE))
    if won < batch:
        raise SystemExit("claims_bench: the due schedules ran out; give a larger --rows.")
    return won


def release(core: Core) -> None:
    """Put every claimed schedule back to pending and drop the runs, so each measure starts
    from the same queue."""
    with core.db.write() as session:
        session.execute(text("DELETE FROM runs"))
        session.execute(
            text(
                "UPDATE schedules SET status = 'pending', claimed_by = NULL, lease_until = NULL "
                "WHERE status = 'running'"
            )
        )


def measure(
    folder: Path, rows: int, seconds: float, rounds: int
) -> tuple[float, float, float, float]:
    """Best claims/s for batches of 1 and 10, best plain writes/s and best one-row writes/s,
    over `rounds` rounds."""
    folder.mkdir(parents=True, exist_ok=True)
    core = Core.open(f"sqlite:///{folder / 'claims.db'}")
    try:
        core.profiles.add_db("shop", f"sqlite:///{folder / 'shop.db'}", create=True)
        fill(core, rows)
        best = [0.0, 0.0, 0.0, 0.0]
        for _ in range(rounds):
            release(core)
            one = rate(lambda: claim(core, 1), seconds)
            release(core)
            ten = rate(lambda: claim(core, 10), seconds)
            plain = rate(lambda: plain_write(core), seconds)
            figures = (one, ten, plain, rate(lambda: row_write(core), seconds))
            best = [max(b, f) for b, f in zip(best, figures, strict=True)]
        return best[0], best[1], best[2], best[3]
    finally:
        core.close()


def claims_lines(one: float, ten: float, baseline: float, row: float) -> str:
    """The figures, with the ratio and its target, and the one-row write for context."""
    return (f"claims per second on SQLite: {one:,.0f} (batches of 1), {ten:,.0f} (batches of 10); "
            f"baseline single-row write transactions {baseline:,.0f}/s "
            f"(claim/baseline {one / baseline:.2f}x, target >= {TARGET:g}x)\n"
            f"  for context, write transactions that change one row: {row:,.0f}/s "
            f"(claim/that {one / row:.2f}x)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = scratch_folder()
    print(claims_lines(*measure(folder, args.rows, args.seconds, args.rounds)))


if __name__ == "__main__":
    main()
