"""Demo data: a small SQLite shop to analyse, its DB profile, and schedules in every status.

`create_demo` is idempotent: the shop files are only replaced when their rows differ, the `demo`
profile is added only when missing, and schedules are created only when no live schedule has
their name.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import platformdirs
from sqlalchemy import select

from core.api import Core
from core.clock import FrozenClock
from core.demo.luhn import luhn_ok
from core.demo.shop import SCHEMA_FILES, shop_size, shop_url, write_shop
from core.errors import Conflict
from core.schedules.service import ScheduleService
from core.schedules.spec import MissedPolicy, Review, build_spec
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

__all__ = ["DEMO_PROFILE", "DemoInfo", "create_demo", "default_folder", "luhn_ok"]

DEMO_PROFILE = "demo"
DEMO_WORKER = "demo-daemon"

AnyTrigger = OnceTrigger | CronTrigger | IntervalTrigger


@dataclass(frozen=True)
class DemoInfo:
    """Where the demo lives and what `create_demo` made this time."""

    folder: Path
    profile: str
    url: str  # the profile's URL as stored (an existing `demo` profile is left as it was)
    main_file: Path
    schema_files: tuple[tuple[str, Path], ...]
    table_count: int
    column_count: int
    schedules_created: tuple[str, ...]


def default_folder() -> Path:
    """The demo's folder in the user data directory."""
    return Path(platformdirs.user_data_dir("amx-studio")) / "demo"


# ---------------------------------------------------------------------------------------------
# Schedules


def _local_at(now: datetime, tz_name: str, days: int, at: time) -> datetime:
    """The naive wall time `at` on the day `days` from today in `tz_name`."""
    today = now.astimezone(ZoneInfo(tz_name)).date()
    return datetime.combine(today + timedelta(days=days), at)


@dataclass
class _Seeder:
    core: Core
    profile: str
    live: set[str]
    created: list[str]

    def make(
        self,
        name: str,
        trigger: AnyTrigger,
        scope: list[str],
        *,
        timezone: str | None = None,
        review: Review = "manual",
        missed: MissedPolicy = "ask",
        max_retries: int = 3,
        service: ScheduleService | None = None,
    ) -> int | None:
        """Create one demo schedule unless a live one has its name; its id, or None."""
        if name in self.live:
            return None
        spec = build_spec(
            name=name,
            trigger=trigger,
            timezone=timezone or default_zone_name(),
            db_profile=self.profile,
            scope=scope,
            llm_profile="heuristic",
            review_strategy=review,
            missed_policy=missed,
            max_retries=max_retries,
        )
        try:
            info = (service or self.core.schedules).create(spec)
        except Conflict:
            return None  # made meanwhile by another process
        self.live.add(name)
        self.created.append(name)
        return info.id


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
) -> None:
    """Record a daemon outcome (Running, Completed or Failed) and its Run, as the daemon would.

    The daemon does not exist yet, so the service cannot produce these three statuses; this is
    the only place the demo writes schedule and run rows directly.
    """
    now = core.clock.now()
    run_status = {
        Status.RUNNING: RunStatus.RUNNING,
        Status.COMPLETED: RunStatus.SUCCEEDED,
        Status.FAILED: RunStatus.FAILED,
    }[status]
    with core.db.write() as session:
        row = session.get(Schedule, schedule_id)
        assert row is not None
        attempt = row.max_retries + 1 if status == Status.FAILED else 1
        session.add(
            Run(
                schedule_id=row.id,
                scheduled_for=scheduled_for,
                trigger="schedule",
                attempt=attempt,
                status=run_status,
                worker_id=DEMO_WORKER,
                started_at=started,
                finished_at=finished,
                summary=summary,
                error=error,
                note="demo data",
                created_at=scheduled_for,
            )
        )
        row.status = status
        row.retry_count = attempt - 1
        row.next_fire_at = next_fire_at
        if status == Status.RUNNING:
            row.claimed_by = DEMO_WORKER
            row.lease_until = now + timedelta(minutes=5)
        elif error is not None:
            row.note = f"failed after {attempt} attempts: {error}"
        row.updated_at = now


def _service_at(core: Core, clock: FrozenClock) -> ScheduleService:
    """A schedule service on the core's database with a temporary clock (same scope check)."""
    return ScheduleService(core.db, clock, scope_check=core.schedules.scope_check)


def _seed_schedules(core: Core, profile: str) -> list[str]:
    """Create the demo schedules that are missing, one or more in every status."""
    seeder = _Seeder(core, profile, _live_names(core), [])
    now = core.clock.now()
    here = default_zone_name()
    make = seeder.make

    # Pending: one cron, one interval, one once.
    make(
        "Nightly PII sweep",
        cron("0 2 * * *"),
        ["main.users", "main.addresses", "crm.customers", "sales.payments.card_number"],
    )
    make(
        "Orders deep-dive",
        interval("6h"),
        ["sales.orders", "sales.order_items", "sales.order_totals"],
        timezone="Asia/Jakarta",
        review="auto",
    )
    make(
        "Catalog descriptions refresh",
        once(_local_at(now, here, 1, time(9, 0))),
        ["main.products", "main.categories", "main.reviews.body"],
        review="auto",
    )
    # Paused.
    paused = make("Weekly CRM review", cron("0 7 * * 1"), ["crm"], timezone="Europe/Berlin")
    if paused is not None:
        core.schedules.pause(paused)
    # Cancelled.
    cancelled = make("Legacy events export", cron("0 4 1 * *"), ["crm.events"], review="auto")
    if cancelled is not None:
        core.schedules.cancel(cancelled)

    # Daemon outcomes: created days ago (a past clock), then recorded as the daemon would.
    past = _service_at(core, FrozenClock(now - timedelta(days=3)))
    hourly = cron("15 * * * *")
    running = make("Payments audit", hourly, ["sales.payments", "sales.shipments"], service=past)
    if running is not None:
        # The latest :15 at or before now is the occurrence being run.
        due = next_fire_time(hourly, here, now - timedelta(hours=1)) or now
        _stand_in_for_daemon(
            core,
            running,
            Status.RUNNING,
            scheduled_for=due,
            started=due + timedelta(seconds=2),
            next_fire_at=next_fire_time(hourly, here, now),
        )
    fired = _local_at(now, here, -1, time(18, 0))
    completed = make(
        "Revenue columns check",
        once(fired),
        [
            "sales.order_items.total_amount",
            "sales.order_items.unit_price",
            "sales.orders.total_amount",
        ],
        review="auto",
        service=past,
    )
    if completed is not None:
        due = fired.replace(tzinfo=ZoneInfo(here)).astimezone(UTC)
        start = due + timedelta(seconds=2)
        _stand_in_for_daemon(
            core,
            completed,
            Status.COMPLETED,
            scheduled_for=due,
            started=start,
            finished=start + timedelta(minutes=2, seconds=41),
            summary={
                "tables": 2,
                "columns": 3,
                "proposals": 9,
                "applied": 9,
                "tokens": 0,
                "errors": [],
            },
        )
    fired = _local_at(now, "Asia/Jakarta", -2, time(6, 30))
    failed = make(
        "Customer 360 profiling",
        once(fired),
        ["crm.customers", "crm.events", "main.users.email"],
        timezone="Asia/Jakarta",
        max_retries=2,
        service=past,
    )
    if failed is not None:
        due = fired.replace(tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)
        start = due + timedelta(minutes=10)  # the third attempt, after two retries
        problem = (
            "sampling crm.events failed: database is locked (another process held a write "
            "lock for more than 10 s); gave up after 3 attempts."
        )
        _stand_in_for_daemon(
            core,
            failed,
            Status.FAILED,
            scheduled_for=due,
            started=start,
            finished=start + timedelta(seconds=12),
            summary={
                "tables": 3,
                "columns": 27,
                "proposals": 0,
                "applied": 0,
                "tokens": 0,
                "errors": [{"table": "crm.events", "error": problem}],
            },
            error=problem,
        )

    # Missed: due while nothing could fire it; a temporary clock then catches up to now.
    catch_up = FrozenClock(now - timedelta(days=3))
    late = _service_at(core, catch_up)
    missed = make(
        "Quarter-end ledger snapshot",
        once(_local_at(now, here, -1, time(21, 0))),
        ["sales.orders", "sales.payments"],
        service=late,
    )
    if missed is not None:
        catch_up.set(now)
        late.detect_missed()
    return seeder.created


# ---------------------------------------------------------------------------------------------
# The entry point


def create_demo(core: Core, folder: Path | None = None) -> DemoInfo:
    """Write the demo shop, add the `demo` DB profile and seed schedules; safe to run again.

    Seeding the Missed schedule runs missed detection at the core's current time, which also
    marks any other overdue schedule Missed, exactly as opening the studio would.
    """
    folder = (folder or default_folder()).expanduser().resolve()
    files = write_shop(folder)
    if DEMO_PROFILE not in {p.name for p in core.profiles.list_db()}:
        with contextlib.suppress(Conflict):  # added meanwhile by another process
            core.profiles.add_db(DEMO_PROFILE, shop_url(files))
    created = _seed_schedules(core, DEMO_PROFILE)
    tables, columns = shop_size(files)
    return DemoInfo(
        folder=folder,
        profile=DEMO_PROFILE,
        url=core.profiles.get_db(DEMO_PROFILE).url,
        main_file=files["main"],
        schema_files=tuple((schema, files[schema]) for schema, _ in SCHEMA_FILES),
        table_count=tables,
        column_count=columns,
        schedules_created=tuple(created),
    )
