"""Agenda speed with 10,000 schedules: building the 7-day agenda (pure function), reading its
sources from the database, and the whole service call, beside a baseline measured in the same
run: one `next_fire_time` per schedule (the least any view of upcoming fires must compute).

    .venv/bin/python bench/agenda_bench.py [--schedules 10000] [--url URL]

The usual mix: daily and weekly crons at scattered times, 10 % hourly crons, 10 % 6-hourly
intervals, 10 % one-shots within ten days, 0.4 % every five minutes and 0.1 % every minute, on 20
DB profiles, 10 % of them paused. `--dense` raises the last two to 2 % and 0.5 %.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.api import Core
from core.clock import FrozenClock
from core.schedules.agenda import AgendaSource, build_agenda
from core.schedules.triggers import Trigger, cron, interval, next_fire_time, once
from core.storage.tables import Schedule

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
ZONE = "Asia/Jakarta"


# (share of schedules, rule) for the product's usual fleet; --dense is the stress mix.
USUAL = (0.001, 0.004, 0.10, 0.10, 0.10)
DENSE = (0.005, 0.02, 0.10, 0.10, 0.15)


def trigger_for(rng: random.Random, shares: tuple[float, ...]) -> Trigger:
    every_minute, every_five, six_hourly, one_shot, hourly = shares
    roll = rng.random()
    if roll < every_minute:
        return cron("* * * * *")
    roll -= every_minute
    if roll < every_five:
        return cron("*/5 * * * *")
    roll -= every_five
    if roll < six_hourly:
        return interval("6h", NOW - timedelta(minutes=rng.randrange(360)))
    roll -= six_hourly
    if roll < one_shot:
        day = NOW + timedelta(days=rng.randrange(10), hours=7, minutes=rng.randrange(0, 1440, 5))
        return once(day.astimezone(UTC).replace(tzinfo=None, second=0, microsecond=0))
    roll -= one_shot
    if roll < hourly:
        return cron(f"{rng.randrange(60)} * * * *")
    if rng.random() < 0.2:
        return cron(f"{rng.randrange(0, 60, 15)} {rng.randrange(24)} * * {rng.randrange(7)}")
    return cron(f"{rng.randrange(0, 60, 15)} {rng.randrange(24)} * * *")


def make_sources(
    count: int, shares: tuple[float, ...] = USUAL, seed: int = 7
) -> list[AgendaSource]:
    rng = random.Random(seed)
    found = []
    for i in range(count):
        trigger = trigger_for(rng, shares)
        tz = "UTC" if trigger.kind == "once" else ZONE
        found.append(
            AgendaSource(
                id=i + 1,
                name=f"schedule-{i:05d}",
                status="paused" if rng.random() < 0.1 else "pending",
                trigger=trigger,
                timezone=tz,
                db_profile=f"profile-{rng.randrange(20):02d}",
                next_fire_at=next_fire_time(trigger, tz, NOW),
                typical_run=timedelta(minutes=rng.choice([1, 2, 5, 20])),
            )
        )
    return found


def fill(core: Core, sources: list[AgendaSource]) -> float:
    started = time.perf_counter()
    with core.db.write() as session:
        for s in sources:
            session.add(
                Schedule(
                    name=s.name,
                    kind="analyze",
                    trigger=s.trigger,
                    timezone=s.timezone,
                    db_profile=s.db_profile,
                    database=None,
                    scope=["main"],
                    scenario={
                        "steps": [{"kind": "analyze", "profile": s.db_profile, "scope": ["main"]}]
                    },
                    status=s.status,
                    next_fire_at=s.next_fire_at,
                    missed_policy="ask",
                    misfire_grace_s=60,
                    max_retries=3,
                    retry_count=0,
                    version=1,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
    return time.perf_counter() - started


def seconds(fn: Callable[[], object], repeat: int) -> float:
    """The median wall time of `repeat` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--url", help="database URL (default: a SQLite file in a temp folder)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--dense", action="store_true", help="the stress mix: 0.5 %% every minute, 2 %% every 5 min"
    )
    args = parser.parse_args()
    sources = make_sources(args.schedules, DENSE if args.dense else USUAL)
    agenda = build_agenda(sources, ZONE, NOW)
    lines = sum(len(d.lines) for d in agenda.days)
    print(
        f"{args.schedules:,} schedules ({'stress' if args.dense else 'usual'} mix), 7 days in {ZONE}:"
    )
    print(
        f"  {agenda.fires + agenda.paused_fires:,} fires shown as {lines:,} lines "
        f"({agenda.clashes:,} fires in a clash, {len(agenda.dst_notes)} DST notes)"
    )

    def baseline() -> object:
        return [next_fire_time(s.trigger, s.timezone, NOW) for s in sources]

    base = seconds(baseline, args.repeat)
    pure = seconds(lambda: build_agenda(sources, ZONE, NOW), args.repeat)
    print(f"  baseline: one next_fire_time per schedule   {base * 1000:9.1f} ms")
    print(
        f"  build_agenda (pure)                         {pure * 1000:9.1f} ms  ({pure / base:.1f}x)"
    )
    with tempfile.TemporaryDirectory() as folder:
        core = Core.open(args.url or f"sqlite:///{Path(folder) / 'agenda.db'}", FrozenClock(NOW))
        try:
            took = fill(core, sources)
            print(f"  (filled the database in {took:.1f} s)")
            read = seconds(core.agenda.sources, args.repeat)
            whole = seconds(lambda: core.agenda.upcoming(ZONE), args.repeat)
            print(f"  reading the sources from the database       {read * 1000:9.1f} ms")
            print(
                f"  core.agenda.upcoming (read + build)         {whole * 1000:9.1f} ms  "
                f"({whole / base:.1f}x)"
            )
        finally:
            core.close()


if __name__ == "__main__":
    main()
