"""The demo schedules, one or more in every status, as listed in `core/demo/data/schedules.json`.

Each entry is created through the schedule service; entries that stand for work a daemon did
(Running, Completed, Failed) are created on a clock `created_days_ago` in the past and then get
the schedule row and Run the daemon would have written, and the run's log, written through the
run-log service at the times the lines were due. Days and times of `once` triggers are relative to
today in the schedule's zone, so the demo always looks current.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from importlib import resources
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from core.api import Core
from core.clock import FrozenClock
from core.errors import Conflict
from core.schedules.policies import MissedPolicy, Review
from core.schedules.run_log import Level, RunLog
from core.schedules.runs import RunService
from core.schedules.service import ScheduleService
from core.schedules.spec import build_spec
from core.schedules.status import RunStatus, Status
from core.schedules.triggers import (
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    cron,
    default_zone_name,
    interval,
    next_fire_time,
    once,
)
from core.storage.tables import Run, Schedule
from core.text import counted

__all__ = ["seed_schedules"]

DEMO_WORKER = "demo-daemon"
DEMO_LEASE = timedelta(minutes=5)

AnyTrigger = OnceTrigger | CronTrigger | IntervalTrigger


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Cron(_Strict):
    kind: Literal["cron"]
    expr: str


class _Interval(_Strict):
    kind: Literal["interval"]
    every: str


class _Once(_Strict):
    kind: Literal["once"]
    day: int  # days from today in the schedule's zone
    at: time


class _LogLine(_Strict):
    after_s: int  # from the run's start; a running run's lines stop at now
    level: Level
    text: str  # `{profile}` stands for the demo's DB profile


class _DaemonOutcome(_Strict):
    status: Literal["running", "completed", "failed"]
    # A recurring schedule runs its first occurrence in the last `lookback_h` hours (or now).
    lookback_h: int = 1
    started_after_s: int  # from the occurrence's due time
    took_s: int | None = None  # None while running
    summary: dict[str, Any] | None = None
    error: str | None = None
    log: list[_LogLine] = []


class _DemoSchedule(_Strict):
    name: str
    trigger: Annotated[_Cron | _Interval | _Once, Field(discriminator="kind")]
    scope: list[str]
    timezone: str | None = None
    review: Review = "manual"
    missed: MissedPolicy = "ask"
    max_retries: int = 3
    created_days_ago: int = 0
    daemon: _DaemonOutcome | None = None
    # detect_missed: the creation clock catches up to now and missed detection runs.
    then: Literal["pause", "cancel", "detect_missed"] | None = None


class _DemoSchedules(_Strict):
    schedules: list[_DemoSchedule]


def _load() -> list[_DemoSchedule]:
    text = (resources.files("core.demo") / "data" / "schedules.json").read_text(encoding="utf-8")
    return _DemoSchedules.model_validate_json(text).schedules


def _trigger(data: _Cron | _Interval | _Once, now: datetime, tz_name: str) -> AnyTrigger:
    if isinstance(data, _Cron):
        return cron(data.expr)
    if isinstance(data, _Interval):
        return interval(data.every)
    today = now.astimezone(ZoneInfo(tz_name)).date()
    return once(datetime.combine(today + timedelta(days=data.day), data.at))


def _live_names(core: Core) -> set[str]:
    with core.db.read() as session:
        return set(session.scalars(select(Schedule.name).where(Schedule.deleted_at.is_(None))))


def _stand_in_for_daemon(
    core: Core,
    schedule_id: int,
    status: Status,
    *,
    scheduled_for: datetime,
    started: datetime,
    finished: datetime | None = None,
    next_fire_at: datetime | None = None,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
    log: Sequence[tuple[datetime, Level, str]] = (),
) -> None:
    """Record a daemon outcome (Running, Completed or Failed) and its Run, as the daemon would:
    the run starts, writes its log line by line, and (unless Running) finishes.

    The service cannot produce these three statuses; this is the only place the demo writes
    schedule and run rows directly. The log and the finish go through the run services, each on
    a clock set to when it happened.
    """
    now = core.clock.now()
    running = status == Status.RUNNING
    # A running run holds a lease as the daemon's claim gives it: with no heartbeat renewing
    # it, the lease runs out and any tick recovers the run, as it would a lost worker's.
    lease = now + DEMO_LEASE if running else None
    with core.db.write() as session:
        row = session.get(Schedule, schedule_id)
        assert row is not None
        attempt = row.max_retries + 1 if status == Status.FAILED else 1
        run = Run(
            schedule_id=row.id,
            scheduled_for=scheduled_for,
            trigger="schedule",
            attempt=attempt,
            status=RunStatus.RUNNING,
            worker_id=DEMO_WORKER,
            started_at=started,
            lease_until=lease,
            lease_s=DEMO_LEASE.total_seconds() if lease else None,
            summary=summary if running else None,
            note="demo data",
            created_at=scheduled_for,
        )
        session.add(run)
        row.status = status
        row.retry_count = attempt - 1
        row.next_fire_at = next_fire_at
        if running:
            row.claimed_by = DEMO_WORKER
            row.lease_until = lease
        elif error is not None:
            row.note = f"failed after {counted(attempt, 'attempt')}: {error}"
        row.updated_at = now
        session.flush()
        run_id = run.id
    clock = FrozenClock(started)
    for at, level, text in log:
        clock.set(at)
        RunLog(core.db, clock).write(run_id, level, text)
    if not running:
        assert finished is not None
        clock.set(finished)
        ended = RunStatus.SUCCEEDED if status == Status.COMPLETED else RunStatus.FAILED
        RunService(core.db, clock).finish(run_id, ended, summary=summary, error=error)


def _record_outcome(
    core: Core,
    schedule_id: int,
    trigger: AnyTrigger,
    tz_name: str,
    outcome: _DaemonOutcome,
    now: datetime,
    profile: str,
) -> None:
    if isinstance(trigger, OnceTrigger):
        due = trigger.fire_at.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC)
    else:
        due = next_fire_time(trigger, tz_name, now - timedelta(hours=outcome.lookback_h)) or now
    started = due + timedelta(seconds=outcome.started_after_s)
    finished = None if outcome.took_s is None else started + timedelta(seconds=outcome.took_s)
    log = [
        (
            min(started + timedelta(seconds=line.after_s), finished or now),
            line.level,
            line.text.replace("{profile}", profile),
        )
        for line in outcome.log
    ]
    _stand_in_for_daemon(
        core,
        schedule_id,
        Status(outcome.status),
        scheduled_for=due,
        started=started,
        finished=finished,
        next_fire_at=next_fire_time(trigger, tz_name, now),
        summary=outcome.summary,
        error=outcome.error,
        log=log,
    )


def seed_schedules(core: Core, profile: str) -> list[str]:
    """Create the demo schedules no live schedule has the name of, in file order; their names."""
    live = _live_names(core)
    now = core.clock.now()
    created: list[str] = []
    for entry in _load():
        if entry.name in live:
            continue
        tz_name = entry.timezone or default_zone_name()
        trigger = _trigger(entry.trigger, now, tz_name)
        clock = FrozenClock(now - timedelta(days=entry.created_days_ago))
        service = (
            ScheduleService(core.db, clock, scope_check=core.schedules.scope_check)
            if entry.created_days_ago
            else core.schedules
        )
        spec = build_spec(
            name=entry.name,
            trigger=trigger,
            timezone=tz_name,
            db_profile=profile,
            scope=entry.scope,
            llm_profile="heuristic",
            review_strategy=entry.review,
            missed_policy=entry.missed,
            max_retries=entry.max_retries,
        )
        try:
            schedule_id = service.create(spec).id
        except Conflict:
            continue  # made meanwhile by another process
        live.add(entry.name)
        created.append(entry.name)
        if entry.daemon is not None:
            _record_outcome(core, schedule_id, trigger, tz_name, entry.daemon, now, profile)
        if entry.then == "pause":
            core.schedules.pause(schedule_id)
        elif entry.then == "cancel":
            core.schedules.cancel(schedule_id)
        elif entry.then == "detect_missed":
            clock.set(now)
            service.detect_missed()
    return created
