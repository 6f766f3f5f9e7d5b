"""Recording runs: starting one in this process and writing its outcome."""

from __future__ import annotations

import os
import socket
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from core.clock import Clock
from core.errors import Conflict, NotFound
from core.schedules import last_runs
from core.schedules.status import RunStatus, Status
from core.schedules.views import RunInfo
from core.storage.engine import Database
from core.storage.tables import Run, Schedule

if TYPE_CHECKING:
    from core.schedules.run_history import RunDetail, RunHistory, RunPage, RunQuery, ScheduleRef
    from core.schedules.run_log import RunLog
    from core.schedules.step_runs import StepRunService


def here_worker_id() -> str:
    """The worker id of a run started by a person in this process."""
    return f"here:{socket.gethostname()}:{os.getpid()}"


class RunService:
    """Start and finish runs; the daemon's claim goes through the same rows."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # Made, and their modules loaded, on first use: the lists only read the last runs.
    @cached_property
    def log(self) -> RunLog:
        """Each run's log lines."""
        from core.schedules.run_log import RunLog

        return RunLog(self.db, self.clock)

    @cached_property
    def steps(self) -> StepRunService:
        """Each run's step runs."""
        from core.schedules.step_runs import StepRunService

        return StepRunService(self.db, self.clock)

    @cached_property
    def _history(self) -> RunHistory:
        from core.schedules.run_history import RunHistory

        return RunHistory(self.db, self.steps, self.log)

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
        from core.schedules.outcome import finish_run

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
        return last_runs.running_progress(self.db, schedule_ids)

    def last_runs(self, schedule_ids: list[int]) -> dict[int, RunInfo]:
        """{schedule id: its newest run that has started or ended} (queued ones wait aside)."""
        return last_runs.last_runs(self.db, schedule_ids)

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
        from core.schedules.run_history import RunQuery

        return self._history.page(query or RunQuery())

    def detail(self, run_id: int) -> RunDetail:
        """One run with its schedule, its step runs and their logs."""
        return self._history.detail(run_id)

    def schedule_of(self, ref: str) -> ScheduleRef:
        """The schedule an id or name names, live or deleted (for reading its history)."""
        return self._history.schedule(ref)
