"""Claiming due work atomically: two daemons never fire the same occurrence.

PostgreSQL: one statement, a CTE that picks due rows `FOR UPDATE SKIP LOCKED`, an `UPDATE …
RETURNING` that claims them and an `INSERT … SELECT` of their Run rows, in one round trip.
SQLite: on a pooled driver connection inside `BEGIN IMMEDIATE` (one writer at a time, so the
rows picked cannot change before they are claimed), one `UPDATE … RETURNING` of the run-now
requests, one `UPDATE … WHERE id IN (the due rows) RETURNING` of the schedules and one multi-row
`INSERT … RETURNING` of their Run rows. A claim is the daemon's hottest write: a session's
bookkeeping and SQLAlchemy's statement handling cost several times the SQLite work.
Either way the runs go in with the claim, and their UNIQUE (schedule_id, scheduled_for) is the
backstop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, TextClause, bindparam, column, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from core.schedules.status import RunStatus, Status, check
from core.storage.due_index import DUE_PREDICATE
from core.storage.engine import Database
from core.storage.tables import Run
from core.storage.utc import UTCDateTime


@dataclass(frozen=True)
class Claimed:
    """One unit of work a worker now owns."""

    run_id: int
    schedule_id: int
    scheduled_for: datetime
    trigger: str  # schedule | retry | manual | missed | failure | after
    attempt: int


Claim = Callable[[Database, datetime, str, int, timedelta], list[Claimed]]

_PG_CLAIM = f"""
WITH due AS (
    SELECT id FROM schedules
    WHERE {DUE_PREDICATE} AND next_fire_at <= :now
    ORDER BY next_fire_at
    LIMIT :n
    FOR UPDATE SKIP LOCKED
)
UPDATE schedules AS s
SET status = 'running', claimed_by = :worker, lease_until = :lease,
    version = s.version + 1, updated_at = :now
FROM due WHERE s.id = due.id
RETURNING s.id, s.next_fire_at, s.retry_count
"""

# The claim and its runs in one statement: the server does the work of a round trip per batch.
_PG_CLAIM_AND_RUNS = f"""
WITH claimed AS ({_PG_CLAIM})
INSERT INTO runs (schedule_id, scheduled_for, trigger, attempt, status, worker_id, started_at,
                  lease_until, lease_s, created_at)
SELECT id, next_fire_at, CASE WHEN retry_count > 0 THEN 'retry' ELSE 'schedule' END,
       retry_count + 1, '{RunStatus.RUNNING}', :worker, :now, :lease, :lease_s, :now
FROM claimed
RETURNING id, schedule_id, scheduled_for, trigger, attempt
"""

_SQLITE_CLAIM = f"""
UPDATE schedules
SET status = 'running', claimed_by = ?, lease_until = ?, version = version + 1, updated_at = ?
WHERE id IN (
    SELECT id FROM schedules INDEXED BY ix_schedules_due
    WHERE {DUE_PREDICATE} AND next_fire_at <= ?
    ORDER BY next_fire_at LIMIT ?
)
RETURNING id, next_fire_at, retry_count
"""

_SQLITE_RUN_COLUMNS = (
    "schedule_id, scheduled_for, trigger, attempt, status, worker_id, started_at, lease_until, "
    "lease_s, created_at"
)

# Run-now requests. The writer holds the lock, so the rows picked are the rows changed.
_SQLITE_QUEUED = """
UPDATE runs
SET status = 'running', worker_id = ?, started_at = ?, lease_until = ?, lease_s = ?
WHERE id IN (
    SELECT r.id FROM runs r JOIN schedules s ON s.id = r.schedule_id
    WHERE r.status = 'queued' AND s.deleted_at IS NULL AND r.scheduled_for <= ?
    ORDER BY r.id LIMIT ?
)
RETURNING id, schedule_id, scheduled_for, trigger, attempt
"""

_QUEUED = """
SELECT r.id FROM runs r JOIN schedules s ON s.id = r.schedule_id
WHERE r.status = 'queued' AND s.deleted_at IS NULL AND r.scheduled_for <= :now
ORDER BY r.id LIMIT :n
"""


def _sql(sql: str, *returns: str) -> TextClause:
    """A statement whose time parameters and results go through the aware-UTC column type."""
    times = ("now", "lease", "due")
    stmt = text(sql).bindparams(
        *(bindparam(n, type_=UTCDateTime()) for n in times if f":{n}" in sql)
    )
    if returns:
        times_out = {"next_fire_at", "scheduled_for"}
        types: dict[str, TypeEngine[Any]] = {n: UTCDateTime() for n in times_out}
        types["trigger"] = String()
        return stmt.columns(*(column(n, types.get(n, Integer())) for n in returns))  # type: ignore[return-value]
    return stmt


def claim_due(
    db: Database, now: datetime, worker_id: str, limit: int, lease: timedelta
) -> list[Claimed]:
    """Claim up to `limit` units: queued run-now requests first, then due occurrences."""
    if limit <= 0:
        return []
    if db.is_sqlite:
        with db.sqlite_write() as driver:
            return _claim_sqlite(driver, now, worker_id, limit, lease)
    claimed: list[Claimed] = []
    with db.write() as session:
        claimed += _claim_queued(session, now, worker_id, limit, lease)
        if len(claimed) < limit:
            claimed += _claim_schedules(session, now, worker_id, limit - len(claimed), lease)
    return claimed


def _claim_queued(
    session: Session, now: datetime, worker_id: str, limit: int, lease: timedelta
) -> list[Claimed]:
    """PostgreSQL: run-now requests, each claimed if still queued."""
    sql = _QUEUED + " FOR UPDATE OF r SKIP LOCKED"
    ids = [row[0] for row in session.execute(_sql(sql), {"n": limit, "now": now})]
    found = []
    for run_id in ids:
        changed = session.execute(
            _sql(
                "UPDATE runs SET status = 'running', worker_id = :worker, started_at = :now, "
                "lease_until = :lease, lease_s = :lease_s WHERE id = :id AND status = 'queued'"
            ),
            {
                "worker": worker_id,
                "now": now,
                "lease": now + lease,
                "lease_s": lease.total_seconds(),
                "id": run_id,
            },
        ).rowcount  # type: ignore[attr-defined]
        if changed == 1:
            run = session.get(Run, run_id)
            assert run is not None
            session.refresh(run)
            found.append(
                Claimed(run.id, run.schedule_id, run.scheduled_for, run.trigger, run.attempt)
            )
    return found


def _claim_schedules(
    session: Session, now: datetime, worker_id: str, limit: int, lease: timedelta
) -> list[Claimed]:
    """PostgreSQL: claim due occurrences and insert their runs in one statement."""
    check("claim", Status.PENDING, Status.RUNNING, what="a due schedule")
    params = {
        "now": now,
        "lease": now + lease,
        "lease_s": lease.total_seconds(),
        "worker": worker_id,
        "n": limit,
    }
    returns = ("id", "schedule_id", "scheduled_for", "trigger", "attempt")
    result = session.execute(_sql(_PG_CLAIM_AND_RUNS, *returns), params)
    return sorted((Claimed(*row) for row in result), key=lambda c: (c.scheduled_for, c.run_id))


def _stamp(moment: datetime) -> str:
    """A time as SQLAlchemy's SQLite dialect stores the UTC column: naive UTC, microseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _time(stamp: str) -> datetime:
    """A time read back from a UTC column on SQLite, aware."""
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


def _claim_sqlite(
    driver: sqlite3.Connection, now: datetime, worker_id: str, limit: int, lease: timedelta
) -> list[Claimed]:
    """SQLite, inside the caller's BEGIN IMMEDIATE: run-now requests, then due occurrences
    and the runs they start."""
    check("claim", Status.PENDING, Status.RUNNING, what="a due schedule")
    at, until, lease_s = _stamp(now), _stamp(now + lease), lease.total_seconds()
    queued = driver.execute(_SQLITE_QUEUED, (worker_id, at, until, lease_s, at, limit)).fetchall()
    claimed = [
        Claimed(rid, sid, _time(due), trigger, attempt)
        for rid, sid, due, trigger, attempt in sorted(queued)
    ]
    if len(claimed) >= limit:
        return claimed
    won = driver.execute(_SQLITE_CLAIM, (worker_id, until, at, at, limit - len(claimed))).fetchall()
    if not won:
        return claimed
    won.sort(key=lambda row: (row[1], row[0]))
    values: list[Any] = []
    for sid, due, retries, *_ in won:
        trigger = "retry" if retries else "schedule"
        values += [sid, due, trigger, retries + 1, RunStatus.RUNNING.value, worker_id, at, until]
        values += [lease_s, at]
    rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(won))
    inserted = driver.execute(
        f"INSERT INTO runs ({_SQLITE_RUN_COLUMNS}) VALUES {rows} RETURNING id, schedule_id",
        values,
    ).fetchall()
    run_of = {sid: run_id for run_id, sid in inserted}
    return claimed + [
        Claimed(run_of[sid], sid, _time(due), "retry" if retries else "schedule", retries + 1)
        for sid, due, retries, *_ in won
    ]
