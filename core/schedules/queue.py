"""The due queue, as the resident daemon reads it: the next-due probe and missed detection.

Kept free of pydantic and the services so that `amx daemon run` stays small in memory; the
schedule service calls the same functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, func, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

from core.clock import Clock
from core.schedules.status import RunStatus, Status, check
from core.schedules.triggers import next_fire_time, next_fire_times, zone
from core.storage.due_index import DUE_PREDICATE
from core.storage.engine import QUEUE_CHANNEL, Database
from core.storage.tables import Run, Schedule, Worker
from core.storage.utc import UTCDateTime
from core.text import counted


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


# Missed detection works in chunks: the fire-time arithmetic for a chunk is done outside any
# transaction, then one short write applies the chunk by compare-and-set, so no writer ever waits
# behind a long start-up scan, and two processes detecting at once mark each schedule once.
CHUNK = 50
# On SQLite (one writer at a time) the lock is left free at least this long between chunks, so a
# writer waiting in its busy handler gets its turn.
WRITE_GAP_S = 0.03

_MARK = """
UPDATE schedules
SET status = :status, next_fire_at = :next_fire_at, note = :note, missed_reason = :reason,
    updated_at = :now, version = version + 1
WHERE id = :id AND version = :version AND status = 'pending' AND deleted_at IS NULL
"""


@dataclass
class MissedScan:
    """What one missed-detection pass did: the rows it changed and whether it looked at every
    overdue schedule (False when its time ran out first)."""

    changed: list[Schedule] = field(default_factory=list)
    finished: bool = True


def detect_missed(db: Database, now: datetime) -> list[Schedule]:
    """Apply the missed policy to every Pending schedule whose fire time is past its grace, in
    short chunks; returns the changed rows."""
    return scan_missed(db, now).changed


def scan_missed(db: Database, now: datetime, *, within_s: float | None = None) -> MissedScan:
    """Missed detection in chunks of CHUNK schedules, each applied in its own short write; with
    `within_s`, stops once that many seconds have passed (the rest waits for the next pass)."""
    scan = MissedScan()
    # Callers run this on every start and tick: only look further when a Pending fire time has
    # actually passed (one probe of the due index).
    due = next_due(db)
    if due is None or due[1] >= now:
        return scan
    deadline = None if within_s is None else time.monotonic() + within_s
    reason: str | None = None
    after, after_id = _EPOCH, 0
    free_until = 0.0
    while True:
        if deadline is not None and time.monotonic() >= deadline:
            scan.finished = False
            return scan
        with db.read() as session:
            keys = {"now": now, "after": after, "after_id": after_id}
            found = session.execute(_chunk_statement(db), keys).all()
            if not found:
                return scan
            # Rows still within their grace are passed over without loading them.
            late = [int(i) for i, due, grace in found if due + timedelta(seconds=grace) < now]
            rows = _load(session, late) if late else []
            if rows and reason is None:
                reason = _missed_reason(session, rows[0].next_fire_at or now)
        after_id, after = int(found[-1][0]), found[-1][1]
        # Another process may have marked a row since the chunk was listed (PostgreSQL reads each
        # statement afresh): only rows still Pending are decided; the write compares versions.
        marks = [
            _Mark.of(row, now, reason or "")
            for row in rows
            if row.status == Status.PENDING and row.deleted_at is None and overdue(row, now)
        ]
        if not marks:
            continue
        if db.is_sqlite:
            time.sleep(max(0.0, free_until - time.monotonic()))
        began = time.monotonic()
        with db.write() as session:
            scan.changed += _apply(session, marks, now)
        ended = time.monotonic()
        # Free at least as long as it was held: on a busy machine a waiting writer still gets in.
        free_until = ended + max(WRITE_GAP_S, ended - began)


def past_due_count(db: Database, now: datetime) -> int:
    """How many Pending schedules have a fire time before `now` (a walk of the due index)."""
    hint = " INDEXED BY ix_schedules_due" if db.is_sqlite else ""
    statement = text(
        f"SELECT count(*) FROM schedules{hint} WHERE {DUE_PREDICATE} AND next_fire_at < :now"
    ).bindparams(bindparam("now", type_=UTCDateTime()))
    with db.read() as session:
        return int(session.scalar(statement, {"now": now}) or 0)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RUN_FIELDS = ("schedule_id", "scheduled_for", "trigger", "attempt", "status", "note", "created_at")


def _chunk_statement(db: Database) -> TextualSelect:
    """The next CHUNK Pending schedules due before :now, after the (:after, :after_id) cursor."""
    hint = " INDEXED BY ix_schedules_due" if db.is_sqlite else ""
    return (
        text(
            f"SELECT id, next_fire_at, misfire_grace_s FROM schedules{hint} WHERE {DUE_PREDICATE} "
            "AND next_fire_at < :now "
            "AND (next_fire_at > :after OR (next_fire_at = :after AND id > :after_id)) "
            f"ORDER BY next_fire_at, id LIMIT {CHUNK}"
        )
        .bindparams(bindparam("now", type_=UTCDateTime()), bindparam("after", type_=UTCDateTime()))
        .columns(Schedule.id, Schedule.next_fire_at, Schedule.misfire_grace_s)
    )


def _load(session: Session, ids: list[int]) -> list[Schedule]:
    rows = session.scalars(select(Schedule).where(Schedule.id.in_(ids))).all()
    order = {schedule_id: n for n, schedule_id in enumerate(ids)}
    return sorted(rows, key=lambda row: order[row.id])


@dataclass(frozen=True)
class _Mark:
    """A missed occurrence worked out outside the write: the row (detached, already showing its
    new state), the version it was read at, and its Run."""

    row: Schedule
    version: int
    run: Run
    notice: Run | None  # the queued run of its on_missed steps

    @classmethod
    def of(cls, row: Schedule, now: datetime, reason: str) -> _Mark:
        version = row.version
        run = decide_missed(row, now, reason, "miss")
        row.updated_at = now
        return cls(row, version, run, missed_notice(row, run.scheduled_for, now))

    def values(self, now: datetime) -> dict[str, Any]:
        """The parameters of the compare-and-set UPDATE."""
        row = self.row
        return {
            "id": row.id,
            "version": self.version,
            "status": row.status,
            "next_fire_at": row.next_fire_at,
            "note": row.note,
            "reason": row.missed_reason,
            "now": now,
        }

    def run_values(self) -> list[dict[str, Any]]:
        """The missed Run, and the queued run of its on_missed steps, as INSERT parameters."""
        runs = [self.run] if self.notice is None else [self.run, self.notice]
        return [{name: getattr(run, name) for name in _RUN_FIELDS} for run in runs]


def _apply(session: Session, marks: list[_Mark], now: datetime) -> list[Schedule]:
    """Compare-and-set the chunk's marks in three statements; the rows another process changed
    since they were read are left alone."""
    current = select(Schedule.id, Schedule.version).where(
        Schedule.id.in_([mark.row.id for mark in marks]),
        Schedule.status == Status.PENDING,
        Schedule.deleted_at.is_(None),
    )
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        current = current.with_for_update()  # SQLite's BEGIN IMMEDIATE already holds them still
    versions = {int(i): int(v) for i, v in session.execute(current)}
    fresh = [mark for mark in marks if versions.get(mark.row.id) == mark.version]
    if not fresh:
        return []
    statement = text(_MARK).bindparams(
        bindparam("now", type_=UTCDateTime()), bindparam("next_fire_at", type_=UTCDateTime())
    )
    session.execute(statement, [mark.values(now) for mark in fresh])
    session.execute(insert(Run), [values for mark in fresh for values in mark.run_values()])
    for mark in fresh:
        mark.row.version = mark.version + 1
    if postgres and any(m.row.status == Status.PENDING or m.notice for m in fresh):
        session.connection().exec_driver_sql(f"NOTIFY {QUEUE_CHANNEL}")
    return [mark.row for mark in fresh]


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
    """In `session`: record the missed occurrence(s) of `row` and apply its missed policy;
    queue its on_missed steps, if it has any."""
    run = decide_missed(row, now, reason, action)
    session.add(run)
    notice = missed_notice(row, run.scheduled_for, now)
    if notice is not None:
        session.add(notice)


def missed_notice(row: Schedule, due: datetime | None, now: datetime) -> Run | None:
    """The queued run of `row`'s on_missed steps for the occurrence missed at `due`, or None
    when it has none. It is keyed a microsecond after the occurrence, whose own key the missed
    record holds, and settling it never moves the schedule (see daemon.settle)."""
    if due is None or not (row.scenario or {}).get("on_missed"):
        return None
    return Run(
        schedule_id=row.id,
        scheduled_for=due + timedelta(microseconds=1),
        trigger="missed",
        attempt=1,
        status=RunStatus.QUEUED,
        note=f"telling of the occurrence missed at {due.isoformat()}",
        created_at=now,
    )


def _missed_count(row: Schedule, now: datetime) -> int:
    """How many fire times from the row's own to `now`, capped at MISSED_COUNT_CAP."""
    due = row.next_fire_at
    assert due is not None
    count, after, batch = 1, due, 3
    while count < MISSED_COUNT_CAP:
        times = next_fire_times(row.trigger, row.timezone, after, batch)
        passed = [t for t in times if t <= now]
        count = min(count + len(passed), MISSED_COUNT_CAP)
        if len(passed) < batch:
            break
        after, batch = passed[-1], min(batch * 4, MISSED_COUNT_CAP)
    return count


def decide_missed(row: Schedule, now: datetime, reason: str, action: str) -> Run:
    """Apply the missed policy to `row` itself and return its missed Run, not yet added."""
    due = row.next_fire_at
    assert due is not None
    trigger = row.trigger
    count = _missed_count(row, now)
    occurrences = counted(count, "occurrence")
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
        row.next_fire_at = next_fire_time(trigger, row.timezone, now)
        decision = "skipped by policy"
    since = f"{due.astimezone(zone(row.timezone)):%Y-%m-%d %H:%M} {row.timezone}"
    note = f"{occurrences} missed since {since}: {reason}; {decision}"
    row.note = note
    row.missed_reason = reason
    return Run(
        schedule_id=row.id,
        scheduled_for=due,
        trigger="schedule",
        attempt=1,
        status=RunStatus.MISSED,
        note=note,
        created_at=now,
    )
