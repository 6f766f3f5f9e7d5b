"""What lists show of runs beside their schedules, read without the ORM: each schedule's newest
run that has started or ended, and how far its running runs have come.

The statements are made of the runs table's own columns, so a list shown first in a process
neither configures the ORM's mappers nor loads the run history's modules.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.schedules.status import RunStatus
from core.schedules.views import RunInfo
from core.storage.engine import Database
from core.storage.tables import Run

_RUNS = Run.__table__
# The columns a RunInfo is made of.
_SHOWN = (
    "id",
    "schedule_id",
    "scheduled_for",
    "trigger",
    "attempt",
    "status",
    "worker_id",
    "started_at",
    "finished_at",
    "summary",
    "error",
    "note",
)


def last_runs(db: Database, schedule_ids: list[int]) -> dict[int, RunInfo]:
    """{schedule id: its newest run that has started or ended} (queued ones wait aside)."""
    if not schedule_ids:
        return {}
    runs = _RUNS.c
    newest = (
        select(func.max(runs.id))
        .where(runs.schedule_id.in_(schedule_ids), runs.status != RunStatus.QUEUED)
        .group_by(runs.schedule_id)
    )
    with db.read() as session:
        rows = session.execute(select(*(runs[n] for n in _SHOWN)).where(runs.id.in_(newest)))
        return {row.schedule_id: RunInfo.of(row) for row in rows}


def running_progress(db: Database, schedule_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{schedule id: (tables done, total)} for the running runs of these schedules."""
    if not schedule_ids:
        return {}
    runs = _RUNS.c
    with db.read() as session:
        rows = session.execute(
            select(runs.schedule_id, runs.summary)
            .where(runs.schedule_id.in_(schedule_ids), runs.status == RunStatus.RUNNING)
            .order_by(runs.id)
        ).all()
    found: dict[int, tuple[int, int]] = {}
    for schedule_id, summary in rows:
        step: Any = (summary or {}).get("progress")
        if isinstance(step, dict):
            found[schedule_id] = (int(step.get("done", 0)), int(step.get("total", 0)))
    return found
