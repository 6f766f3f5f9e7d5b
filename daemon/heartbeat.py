"""Worker identity and heartbeats: alive means seen within 90 seconds."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version

from sqlalchemy import delete, select, update

from core.schedules.status import RunStatus, Status
from core.storage.engine import Database
from core.storage.tables import Run, Schedule, Worker

ALIVE_WITHIN = timedelta(seconds=90)
FORGET_AFTER = timedelta(days=30)  # a worker row unseen this long is deleted at the next start
SKEW_WARNING_S = 5.0  # a host clock further than this off the database's is reported


def product_version() -> str:
    """The installed amx-studio version."""
    try:
        return version("amx-studio")
    except PackageNotFoundError:  # running from a source tree
        return "dev"


def new_worker_id() -> str:
    """`host:pid:nonce`: unique even when a pid is reused."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def register(db: Database, worker_id: str, now: datetime, skew: float | None = None) -> None:
    """Record a starting worker (and how far its clock is from the database's); forget workers
    unseen for FORGET_AFTER, so restarts over months do not pile up rows."""
    with db.write() as session:
        session.execute(delete(Worker).where(Worker.last_seen_at < now - FORGET_AFTER))
        row = session.get(Worker, worker_id)
        if row is None:
            row = Worker(
                id=worker_id,
                host=socket.gethostname(),
                pid=os.getpid(),
                started_at=now,
                last_seen_at=now,
                version=product_version(),
            )
            session.add(row)
        row.last_seen_at = now
        row.stopped_at = None
        row.clock_skew_s = skew


def beat(
    db: Database,
    worker_id: str,
    now: datetime,
    lease: timedelta,
    held: Collection[tuple[int, int]],
    skew: float | None = None,
) -> set[int]:
    """Say we are alive and renew the leases of the runs we hold, as (run id, schedule id)
    pairs; returns those whose schedule was cancelled. A run of ours that we no longer hold
    (its job lost track of) is not renewed: its lease runs out and any tick recovers it."""
    runs = sorted(run_id for run_id, _schedule_id in held)
    schedules = sorted({schedule_id for _run_id, schedule_id in held})
    with db.write() as session:
        session.execute(
            update(Worker)
            .where(Worker.id == worker_id)
            .values(last_seen_at=now, current_run_id=runs[0] if runs else None, clock_skew_s=skew)
        )
        if not runs:
            return set()
        session.execute(
            update(Run)
            .where(Run.id.in_(runs), Run.worker_id == worker_id, Run.status == RunStatus.RUNNING)
            .values(lease_until=now + lease)
        )
        session.execute(
            update(Schedule)
            .where(Schedule.id.in_(schedules), Schedule.claimed_by == worker_id)
            .where(Schedule.status == Status.RUNNING)
            .values(lease_until=now + lease)
        )
        cancelled = session.scalars(
            select(Run.id)
            .join(Schedule, Schedule.id == Run.schedule_id)
            .where(Run.id.in_(runs), Run.status == RunStatus.RUNNING)
            .where(Schedule.status == Status.CANCELLED)
        ).all()
    return set(cancelled)


def stopped(db: Database, worker_id: str, now: datetime) -> None:
    """Record a clean stop."""
    with db.write() as session:
        session.execute(
            update(Worker)
            .where(Worker.id == worker_id)
            .values(last_seen_at=now, stopped_at=now, current_run_id=None)
        )
