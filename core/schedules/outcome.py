"""How a run ended, and writing that once to its row (no pydantic: the daemon uses it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


def finish_run(
    session: Session,
    run_id: int,
    status: RunStatus,
    now: datetime,
    summary: dict[str, Any] | None = None,
    error: str | None = None,
) -> Run:
    """In `session`: write a run's outcome once (Conflict if it finished already)."""
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"no run with id {run_id}.")
    if run.status not in (RunStatus.RUNNING, RunStatus.QUEUED):
        raise Conflict(f"run {run_id} finished already ({run.status}).")
    run.status = status
    run.summary = summary
    run.error = error
    run.finished_at = now
    session.flush()
    return run
