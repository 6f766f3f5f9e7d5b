"""Step runs: how each step of a run went, recorded under the run's claim, and what a retry of
a failed run may carry over instead of running a step twice."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import Clock
from core.errors import NotFound
from core.schedules.outcome import hold_claim
from core.schedules.run_log import LINE_MAX
from core.schedules.scenario.model import step_data
from core.schedules.scenario.steps import Step
from core.schedules.status import RunStatus
from core.storage.engine import Database
from core.storage.tables import Run, RunLogLine, StepRun

StepStatus = Literal["running", "succeeded", "failed", "cancelled", "rolled_back"]
Commit = Callable[[Session], dict[str, Any] | None]
# A line of the run's own log (level, text), written in the same transaction as a step's start
# or end: one write instead of two for each.
Line = tuple[Literal["info", "warning", "error"], str]


def fingerprint(step: Step) -> str:
    """A digest of a step's settings: a retry carries a success only for the same step."""
    data = {k: v for k, v in step_data(step).items() if k not in ("name", "parallel")}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class StepRunInfo(BaseModel):
    """One step of one run."""

    model_config = ConfigDict(frozen=True)
    id: int
    run_id: int
    section: str
    position: int
    kind: str
    label: str
    fingerprint: str
    status: StepStatus
    attempt: int
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None
    error: str | None
    summary: dict[str, Any] | None
    carried_from: int | None

    @classmethod
    def of(cls, row: StepRun) -> StepRunInfo:
        """The view of a stored step run."""
        duration = None
        if row.started_at and row.finished_at:
            duration = round((row.finished_at - row.started_at).total_seconds(), 3)
        return cls(
            id=row.id,
            run_id=row.run_id,
            section=row.section,
            position=row.position,
            kind=row.kind,
            label=row.label,
            fingerprint=row.fingerprint,
            status=row.status,
            attempt=row.attempt,
            started_at=row.started_at,
            finished_at=row.finished_at,
            duration_s=duration,
            error=row.error,
            summary=row.summary,
            carried_from=row.carried_from,
        )


class StepRunService:
    """Record and read step runs."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def of_run(self, run_id: int) -> list[StepRunInfo]:
        """A run's step runs, in the order they stand in its scenario."""
        order = {"steps": 0, "on_failure": 1, "on_missed": 2}
        with self.db.read() as session:
            rows = session.scalars(select(StepRun).where(StepRun.run_id == run_id)).all()
            infos = [StepRunInfo.of(r) for r in rows]
        return sorted(infos, key=lambda s: (order.get(s.section, 9), s.position))

    def of_runs(self, run_ids: list[int]) -> dict[int, list[StepRunInfo]]:
        """The step runs of several runs, by run id."""
        out: dict[int, list[StepRunInfo]] = {run_id: [] for run_id in run_ids}
        if not run_ids:
            return out
        with self.db.read() as session:
            rows = session.scalars(
                select(StepRun)
                .where(StepRun.run_id.in_(run_ids))
                .order_by(StepRun.section.desc(), StepRun.position)
            ).all()
            for row in rows:
                out[row.run_id].append(StepRunInfo.of(row))
        return out

    def resumable(self, run_id: int) -> dict[tuple[str, int], StepRunInfo]:
        """What run `run_id` may take over from the attempt before it: that attempt's step
        runs, by (section, position), when `run_id` retries it (a later attempt, or the same
        occurrence fired again after its run was released or lost)."""
        with self.db.read() as session:
            run = session.get(Run, run_id)
            if run is None:
                raise NotFound(f"no run with id {run_id}.", field="run")
            before = session.scalar(
                select(Run)
                .where(Run.schedule_id == run.schedule_id, Run.id < run_id)
                .order_by(Run.id.desc())
                .limit(1)
            )
            if before is None or not _retried_by(before, run):
                return {}
            rows = session.scalars(select(StepRun).where(StepRun.run_id == before.id)).all()
            return {(r.section, r.position): StepRunInfo.of(r) for r in rows}

    def start(
        self,
        run_id: int,
        section: str,
        position: int,
        step: Step,
        earlier: StepRunInfo | None,
        line: Line | None = None,
    ) -> StepRunInfo:
        """Record that a step starts (its attempt counts on from an earlier failed one), and
        `line` in the run's log."""
        now = self.clock.now()
        attempt = 1
        if earlier is not None and earlier.fingerprint == fingerprint(step):
            attempt = earlier.attempt + (0 if earlier.status == "rolled_back" else 1)
        with self.db.write() as session:
            hold_claim(session, run_id, now)
            row = self._row(session, run_id, section, position, step)
            row.status = "running"
            row.attempt = attempt
            row.started_at = now
            row.finished_at = None
            row.error = None
            _add_line(session, run_id, now, line)
            session.flush()
            return StepRunInfo.of(row)

    def carry(
        self, run_id: int, section: str, position: int, step: Step, done: StepRunInfo
    ) -> StepRunInfo:
        """Record a step that succeeded in an earlier attempt as done, without running it."""
        now = self.clock.now()
        with self.db.write() as session:
            hold_claim(session, run_id, now)
            row = self._row(session, run_id, section, position, step)
            row.status = "succeeded"
            row.attempt = done.attempt
            row.started_at = done.started_at
            row.finished_at = done.finished_at
            row.summary = done.summary
            row.carried_from = done.carried_from or done.run_id
            session.flush()
            return StepRunInfo.of(row)

    def finish(
        self,
        step_run_ids: list[int],
        status: StepStatus,
        *,
        run_id: int,
        summaries: dict[int, dict[str, Any] | None] | None = None,
        errors: dict[int, str] | None = None,
        commits: list[Commit | None] | None = None,
        line: Line | None = None,
    ) -> None:
        """End step runs in one transaction under the run's claim, with the store writes they
        made (`commits`), so a step's writes and its success are recorded together or not at
        all. A commit may return more summary to merge into its step's (in order). `line` goes
        to the run's log in the same transaction."""
        now = self.clock.now()
        summaries = dict(summaries or {})
        with self.db.write() as session:
            hold_claim(session, run_id, now)
            for step_run_id, commit in zip(step_run_ids, commits or [], strict=False):
                more = commit(session) if commit is not None else None
                if more:
                    summaries[step_run_id] = {**(summaries.get(step_run_id) or {}), **more}
            for step_run_id in step_run_ids:
                row = session.get(StepRun, step_run_id)
                if row is None:
                    continue
                row.status = status
                row.finished_at = now
                if step_run_id in summaries:
                    row.summary = summaries[step_run_id]
                if errors and step_run_id in errors:
                    row.error = errors[step_run_id]
            _add_line(session, run_id, now, line)

    @staticmethod
    def _row(session: Session, run_id: int, section: str, position: int, step: Step) -> StepRun:
        row = session.scalar(
            select(StepRun).where(
                StepRun.run_id == run_id,
                StepRun.section == section,
                StepRun.position == position,
            )
        )
        if row is None:
            row = StepRun(run_id=run_id, section=section, position=position)
            session.add(row)
        row.kind = step.kind
        row.label = step.label[:120]
        row.fingerprint = fingerprint(step)
        return row


def _add_line(session: Session, run_id: int, now: datetime, line: Line | None) -> None:
    if line is not None:
        level, text = line
        if len(text) > LINE_MAX:
            text = text[: LINE_MAX - 1] + "…"
        session.add(RunLogLine(run_id=run_id, at=now, level=level, text=text))


def _retried_by(before: Run, run: Run) -> bool:
    """Whether `run` takes up where `before` stopped: a retry of it, or its occurrence fired
    again after it was released or recovered as lost."""
    if before.status not in (RunStatus.FAILED, RunStatus.CANCELLED):
        return False
    if run.trigger == "retry" and run.attempt == before.attempt + 1:
        return True
    released = (before.note or "").startswith("released")
    return released and run.attempt == before.attempt and run.trigger == before.trigger
