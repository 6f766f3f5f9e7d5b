"""How a run ended, and writing that once to its row (no pydantic: the daemon uses it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound
from core.schedules.status import RunStatus
from core.storage.tables import Run


@dataclass(frozen=True)
class Outcome:
    """How a run ended, before it is recorded."""

    status: RunStatus
    summary: dict[str, Any] | None = None
    error: str | None = None


class ClaimLost(Conflict):
    """The run is no longer this writer's: it was recovered, finished elsewhere, or its lease
    ran out. Nothing of it may be written."""


def hold_claim(session: Session, run_id: int, now: datetime) -> Run:
    """In `session`, before writing a run's results: the run, locked until the transaction ends,
    if it is still running on an unexpired lease; else ClaimLost (NotFound for no such run).

    A run row is claimed exactly once (a retry is a new row), so its id is the claim's token;
    recovery ends the run in a transaction that this lock (or SQLite's single writer) orders
    before or after this one, never between the check and the writes.
    """
    query = select(Run).where(Run.id == run_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    run = session.scalar(query)
    if run is None:
        raise NotFound(f"no run with id {run_id}.")
    if run.status not in (RunStatus.RUNNING, RunStatus.QUEUED):
        raise ClaimLost(f"run {run_id} lost its claim: it ended already ({run.status}).")
    if run.lease_until is not None and run.lease_until < now:
        raise ClaimLost(
            f"run {run_id} lost its claim: its lease ran out at {run.lease_until:%H:%M:%S} UTC."
        )
    return run


def finish_run(
    session: Session,
    run_id: int,
    status: RunStatus,
    now: datetime,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
) -> Run:
    """In `session`: write a run's outcome once, while its claim holds (ClaimLost, a Conflict,
    if it finished already or its lease ran out)."""
    run = hold_claim(session, run_id, now)
    run.status = status
    run.summary = summary
    run.error = error
    run.finished_at = now
    session.flush()
    return run
