"""The due queue, as the resident daemon reads it: the next-due probe and missed detection.

Kept free of pydantic and the services so that `amx daemon run` stays small in memory; the
schedule service calls the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

from core.clock import Clock
from core.schedules.status import RunStatus, Status, check
from core.schedules.triggers import next_fire_time
from core.storage.engine import Database
from core.storage.tables import DUE_PREDICATE, Run, Schedule, Worker


class Site(Protocol):
    """Where the queue lives and the clock to read it by; a Core is one."""

    @property
    def db(self) -> Database: ...

    @property
    def clock(self) -> Clock: ...


@dataclass(frozen=True)
class QueueSite:
    """A Site without the services: all that `amx daemon run` keeps resident."""

    db: Database
    clock: Clock

    def close(self) -> None:
        """Release the database connections."""
        self.db.dispose()


# How many missed occurrences are counted one by one before the note just says "over N".
MISSED_COUNT_CAP = 1000


def due_statement(dialect: str, limit: int = 1) -> TextualSelect:
    """Pending schedules by fire time, written so both engines walk the partial due index."""
    # The predicate is literal because SQLite uses a partial index only when the query's terms
    # match the index's WHERE as written; INDEXED BY keeps its planner from guessing otherwise.
    hint = " INDEXED BY ix_schedules_due" if dialect == "sqlite" else ""
    return text(
        f"SELECT id, next_fire_at FROM schedules{hint} WHERE {DUE_PREDICATE} "
        f"AND next_fire_at IS NOT NULL ORDER BY next_fire_at LIMIT {int(limit)}"
    ).columns(Schedule.id, Schedule.next_fire_at)


def next_due(db: Database) -> tuple[int, datetime] | None:
    """The earliest Pending fire time: one probe of the partial due index."""
    with db.read() as session:
        found = session.execute(due_statement(db.engine.dialect.name)).first()
    if found is None or found[1] is None:
        return None
    return int(found[0]), found[1]


def describe_row(row: Schedule) -> str:
    """`schedule 7 'nightly'`, for messages."""
    return f"schedule {row.id} {row.name!r}"


def detect_missed(db: Database, now: datetime) -> list[Schedule]:
    """Apply the missed policy to every Pending schedule whose fire time is past its grace;
    returns the changed rows."""
    changed: list[Schedule] = []
    # Callers run this on every start and tick: only take the write lock when a Pending fire
    # time has actually passed (one probe of the due index).
    due = next_due(db)
    if due is None or due[1] >= now:
        return changed
    with db.write() as session:
        # Widest grace is a day, so nothing later than now can be overdue.
        rows = session.scalars(
            select(Schedule)
            .where(Schedule.deleted_at.is_(None), Schedule.status == Status.PENDING)
            .where(Schedule.next_fire_at < now)
            .order_by(Schedule.next_fire_at)
        ).all()
        reason = None
        for row in rows:
            if not overdue(row, now):
                continue
            reason = reason or _missed_reason(session, row.next_fire_at or now)
            apply_missed(session, row, now, reason, "miss")
            row.updated_at = now
            changed.append(row)
        session.flush()
    return changed


def overdue(row: Schedule, now: datetime) -> bool:
    """Is the row's fire time older than its misfire grace?"""
    due = row.next_fire_at
    return due is not None and due + timedelta(seconds=row.misfire_grace_s) < now


def _missed_reason(session: Session, since: datetime) -> str:
    seen = session.scalar(select(func.max(Worker.last_seen_at)))
    if seen is None:
        return "no daemon has ever run here"
    if seen < since:
        return "daemon not running (asleep/stopped)"
    return "daemon too late (asleep/overloaded)"


def apply_missed(session: Session, row: Schedule, now: datetime, reason: str, action: str) -> None:
    """In `session`: record the missed occurrence(s) of `row` and apply its missed policy."""
    due = row.next_fire_at
    assert due is not None
    trigger = row.trigger
    count, following = 1, next_fire_time(trigger, row.timezone, due)
    while following is not None and following <= now and count < MISSED_COUNT_CAP:
        count, following = count + 1, next_fire_time(trigger, row.timezone, following)
    upcoming = next_fire_time(trigger, row.timezone, now)
    occurrences = "1 occurrence" if count == 1 else f"{count} occurrences"
    if count >= MISSED_COUNT_CAP:
        occurrences = f"{MISSED_COUNT_CAP} or more occurrences"
    what = describe_row(row)
    policy = row.missed_policy
    if policy == "ask":
        row.status = check(action, row.status, Status.MISSED, what=what)
        decision = "waiting for Run now or Skip"
    elif policy == "run_once":
        row.status = check(action, row.status, Status.PENDING, what=what)
        row.next_fire_at = now
        decision = "coalesced into one run now"
    elif trigger.kind == "once":
        row.status = check(action, row.status, Status.CANCELLED, what=what)
        row.next_fire_at = None
        decision = "skipped by policy"
    else:
        row.status = check(action, row.status, Status.PENDING, what=what)
        row.next_fire_at = upcoming
        decision = "skipped by policy"
    note = f"{occurrences} missed since {due.isoformat()}: {reason}; {decision}"
    row.note = note
    row.missed_reason = reason
    session.add(
        Run(
            schedule_id=row.id,
            scheduled_for=due,
            trigger="schedule",
            attempt=1,
            status=RunStatus.MISSED,
            note=note,
            created_at=now,
        )
    )
