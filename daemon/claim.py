"""Claiming due work atomically: two daemons never fire the same occurrence.

PostgreSQL: one statement, a CTE that picks due rows `FOR UPDATE SKIP LOCKED`, an `UPDATE …
RETURNING` that claims them and an `INSERT … SELECT` of their Run rows, in one round trip.
SQLite: inside a `BEGIN IMMEDIATE` transaction (one writer at a time), a compare-and-set
`UPDATE … WHERE status = 'pending' AND version = :version` per row, then one multi-row insert of
the Run rows. Either way the runs go in with the claim, and their UNIQUE (schedule_id,
scheduled_for) is the backstop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, TextClause, bindparam, column, insert, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from core.schedules.status import RunStatus, Status, check
from core.storage.engine import Database
from core.storage.tables import DUE_PREDICATE, Run
from core.storage.utc import UTCDateTime


@dataclass(frozen=True)
class Claimed:
    """One unit of work a worker now owns."""

    run_id: int
    schedule_id: int
    scheduled_for: datetime
    trigger: str  # schedule | retry | manual
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

_SQLITE_DUE = f"""
SELECT id, next_fire_at, retry_count, version FROM schedules INDEXED BY ix_schedules_due
WHERE {DUE_PREDICATE} AND next_fire_at <= :now
ORDER BY next_fire_at LIMIT :n
"""

_SQLITE_CAS = """
UPDATE schedules
SET status = 'running', claimed_by = :worker, lease_until = :lease,
    version = version + 1, updated_at = :now
WHERE id = :id AND status = 'pending' AND deleted_at IS NULL AND version = :version
"""

_QUEUED = """
SELECT r.id FROM runs r JOIN schedules s ON s.id = r.schedule_id
WHERE r.status = 'queued' AND s.deleted_at IS NULL
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
    claimed: list[Claimed] = []
    with db.write() as session:
        claimed += _claim_queued(session, now, worker_id, limit, lease)
        if len(claimed) < limit:
            claimed += _claim_schedules(session, now, worker_id, limit - len(claimed), lease)
    return claimed


def _claim_queued(
    session: Session, now: datetime, worker_id: str, limit: int, lease: timedelta
) -> list[Claimed]:
    sql = _QUEUED + (" FOR UPDATE OF r SKIP LOCKED" if _is_pg(session) else "")
    ids = [row[0] for row in session.execute(text(sql), {"n": limit})]
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
            found.append(Claimed(run.id, run.schedule_id, run.scheduled_for, "manual", run.attempt))
    return found


def _claim_schedules(
    session: Session, now: datetime, worker_id: str, limit: int, lease: timedelta
) -> list[Claimed]:
    check("claim", Status.PENDING, Status.RUNNING, what="a due schedule")
    params = {
        "now": now,
        "lease": now + lease,
        "lease_s": lease.total_seconds(),
        "worker": worker_id,
        "n": limit,
    }
    if _is_pg(session):
        returns = ("id", "schedule_id", "scheduled_for", "trigger", "attempt")
        result = session.execute(_sql(_PG_CLAIM_AND_RUNS, *returns), params)
        return sorted((Claimed(*row) for row in result), key=lambda c: (c.scheduled_for, c.run_id))
    won: list[tuple[int, datetime, int]] = []
    due_columns = ("id", "next_fire_at", "retry_count", "version")
    for sid, due, retries, row_version in session.execute(_sql(_SQLITE_DUE, *due_columns), params):
        cas = session.execute(_sql(_SQLITE_CAS), {**params, "id": sid, "version": row_version})
        if cas.rowcount == 1:  # type: ignore[attr-defined]
            won.append((sid, due, retries))
    if not won:
        return []
    rows: list[dict[str, Any]] = []
    for sid, due, retries in won:
        rows.append(
            {
                "schedule_id": sid,
                "scheduled_for": due,
                "trigger": "retry" if retries else "schedule",
                "attempt": retries + 1,
                "status": RunStatus.RUNNING,
                "worker_id": worker_id,
                "started_at": now,
                "lease_until": now + lease,
                "lease_s": lease.total_seconds(),
                "created_at": now,
            }
        )
    # One multi-row INSERT … RETURNING for the whole batch, not a round trip per run.
    inserted = session.execute(
        insert(Run).returning(Run.id, Run.schedule_id, sort_by_parameter_order=True), rows
    ).all()
    return [
        Claimed(run_id, sid, row["scheduled_for"], row["trigger"], row["attempt"])
        for (run_id, sid), row in zip(inserted, rows, strict=True)
    ]


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
