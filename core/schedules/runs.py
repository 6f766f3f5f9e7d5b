"""Recording runs: starting one in this process and writing its outcome."""

from __future__ import annotations

import os
import socket
from typing import Any

from sqlalchemy import func, select, update

from core.clock import Clock
from core.errors import Conflict, NotFound
from core.schedules.outcome import finish_run
from core.schedules.run_history import RunDetail, RunHistory, RunPage, RunQuery, ScheduleRef
from core.schedules.run_log import RunLog
from core.schedules.status import RunStatus, Status
from core.schedules.step_runs import StepRunService
from core.schedules.views import RunInfo
from core.storage.engine import Database
from core.storage.tables import Run, Schedule


def here_worker_id() -> str:
    """The worker id of a run started by a person in this process."""
    return f"here:{socket.gethostname()}:{os.getpid()}"


class RunService:
    """Start and finish runs; the daemon's claim goes through the same rows."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.log = RunLog(db, clock)  # each run's log lines
        self.steps = StepRunService(db, clock)  # each run's step runs
        self._history = RunHistory(db, self.steps, self.log)

    def start_here(self, schedule_id: int) -> RunInfo:
        """A manual run of a live schedule, started now in this process."""
        now = self.clock.now()
        with self.db.write() as session:
            schedule = session.get(Schedule, schedule_id)
            if schedule is None or schedule.deleted_at is not None:
                raise NotFound(f"no schedule with id {schedule_id}.", field="schedule")
            if schedule.status == Status.CANCELLED:
                raise Conflict(
                    f"schedule {schedule_id} {schedule.name!r} is cancelled; it cannot run."
                )
            run = Run(
                schedule_id=schedule_id,
                scheduled_for=now,
                trigger="manual",
                attempt=1,
                status=RunStatus.RUNNING,
                worker_id=here_worker_id(),
                started_at=now,
                note="run here by request",
                created_at=now,
            )
            session.add(run)
            session.flush()
            return RunInfo.of(run)

    def finish(
        self,
        run_id: int,
        status: RunStatus,
        *,
        summary: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> RunInfo:
        """Write a run's outcome once; a run that already finished is left as it is."""
        with self.db.write() as session:
            run = finish_run(session, run_id, status, self.clock.now(), summary, error)
            return RunInfo.of(run)

    def progress(self, run_id: int, done: int, total: int) -> None:
        """Record how far a running run has come (tables done of total), for the studio."""
        with self.db.write() as session:
            session.execute(
                update(Run)
                .where(Run.id == run_id, Run.status == RunStatus.RUNNING)
                .values(summary={"progress": {"done": done, "total": total}})
            )

    def running_progress(self, schedule_ids: list[int]) -> dict[int, tuple[int, int]]:
        """{schedule id: (tables done, total)} for the running runs of these schedules."""
        if not schedule_ids:
            return {}
        found: dict[int, tuple[int, int]] = {}
        with self.db.read() as session:
            rows = session.execute(
                select(Run.schedule_id, Run.summary)
                .where(Run.schedule_id.in_(schedule_ids), Run.status == RunStatus.RUNNING)
                .order_by(Run.id)
            ).all()
        for schedule_id, summary in rows:
            step = (summary or {}).get("progress")
            if isinstance(step, dict):
                found[schedule_id] = (int(step.get("done", 0)), int(step.get("total", 0)))
        return found

    def last_runs(self, schedule_ids: list[int]) -> dict[int, RunInfo]:
        """{schedule id: its newest run that has started or ended} (queued ones wait aside)."""
        if not schedule_ids:
            return {}
        newest = (
            select(func.max(Run.id))
            .where(Run.schedule_id.in_(schedule_ids), Run.status != RunStatus.QUEUED)
            .group_by(Run.schedule_id)
        )
        with self.db.read() as session:
            rows = session.scalars(select(Run).where(Run.id.in_(newest))).all()
            return {run.schedule_id: RunInfo.of(run) for run in rows}

    def get(self, run_id: int) -> RunInfo:
        """One run, or NotFound."""
        with self.db.read() as session:
            run = session.get(Run, run_id)
            if run is None:
                raise NotFound(f"no run with id {run_id}.")
            return RunInfo.of(run)

    def latest(self, schedule_id: int) -> RunInfo | None:
        """The newest run of a schedule."""
        with self.db.read() as session:
            run = session.scalar(
                select(Run).where(Run.schedule_id == schedule_id).order_by(Run.id.desc()).limit(1)
            )
            return RunInfo.of(run) if run else None

    def history(self, query: RunQuery | None = None) -> RunPage:
        """A page of run history, newest first (a deleted schedule's runs included)."""
        return self._history.page(query or RunQuery())

    def detail(self, run_id: int) -> RunDetail:
        """One run with its schedule, its step runs and their logs."""
        return self._history.detail(run_id)

    def schedule_of(self, ref: str) -> ScheduleRef:
        """The schedule an id or name names, live or deleted (for reading its history)."""
        return self._history.schedule(ref)
