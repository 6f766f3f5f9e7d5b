"""Run history as people page through it: runs newest first with their schedule's name (a deleted
schedule's runs included) and a summary of their steps, and one run with its step runs and logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from core.errors import InvalidInput, NotFound
from core.schedules.lookup import ID_MAX, NAME_PREFIX
from core.schedules.run_log import LogLine, RunLog
from core.schedules.scenario import STEP_KINDS
from core.schedules.status import RunStatus
from core.schedules.step_runs import StepRunInfo, StepRunService
from core.schedules.views import RunInfo
from core.storage.engine import Database
from core.storage.tables import Run, Schedule, StepRun
from core.text import name_key

PAGE_MAX = 1000


class ScheduleRef(BaseModel):
    """A schedule as run history names it: live or deleted."""

    model_config = ConfigDict(frozen=True)
    id: int
    name: str
    timezone: str
    deleted_at: datetime | None

    @property
    def deleted(self) -> bool:
        """Whether the schedule was deleted (its runs stay readable)."""
        return self.deleted_at is not None


class RunRow(BaseModel):
    """One run in a page of history."""

    model_config = ConfigDict(frozen=True)
    run: RunInfo
    schedule: ScheduleRef
    steps_summary: str  # "cache_refresh ✓ → analyze ✗", or "" before any step ran


class RunPage(BaseModel):
    """One page of run history, newest first, with how many runs matched."""

    model_config = ConfigDict(frozen=True)
    items: list[RunRow]
    total: int
    offset: int
    limit: int


class StepRunDetail(BaseModel):
    """A step run with its own log lines."""

    model_config = ConfigDict(frozen=True)
    step: StepRunInfo
    log: list[LogLine]


class RunDetail(BaseModel):
    """A run, its schedule, its step runs with their logs, and the run's own log lines."""

    model_config = ConfigDict(frozen=True)
    run: RunInfo
    schedule: ScheduleRef
    steps: list[StepRunDetail]
    log: list[LogLine]


@dataclass(frozen=True)
class RunQuery:
    """Filters and paging for run history; statuses and step kinds are checked here."""

    schedule_id: int | None = None
    step_kind: str | None = None
    statuses: frozenset[str] = frozenset()
    offset: int = 0
    limit: int = 50

    def __post_init__(self) -> None:
        known = [s.value for s in RunStatus]
        for status in self.statuses:
            if status not in known:
                raise InvalidInput(
                    "status", f"run status {status!r} is unknown; use any of {', '.join(known)}."
                )
        if self.step_kind is not None and self.step_kind not in STEP_KINDS:
            raise InvalidInput(
                "step_kind",
                f"step kind {self.step_kind!r} is unknown; use one of {', '.join(STEP_KINDS)}.",
            )
        if self.offset < 0 or not 1 <= self.limit <= PAGE_MAX:
            raise InvalidInput(
                "limit", f"limit must be from 1 to {PAGE_MAX} and offset at least 0."
            )


_MARK = {"succeeded": "✓", "failed": "✗"}


def _word(step: StepRunInfo) -> str:
    return f"{step.kind} {_MARK.get(step.status, f'({step.status})')}"


def steps_line(steps: list[StepRunInfo], shown: int = 3) -> str:
    """Step runs in a few words: "cache_refresh ✓ → analyze ✗, +1"."""
    words = [_word(s) for s in steps if s.section == "steps"]
    text = " → ".join(words[:shown])
    text += f", +{len(words) - shown}" if len(words) > shown else ""
    extra = [s for s in steps if s.section != "steps"]
    if extra:
        text += f" ({', '.join(f'{s.section}: {_word(s)}' for s in extra)})"
    return text


def _ref(row: Schedule) -> ScheduleRef:
    return ScheduleRef(id=row.id, name=row.name, timezone=row.timezone, deleted_at=row.deleted_at)


class RunHistory:
    """Read run history, including the runs of deleted schedules."""

    def __init__(self, db: Database, steps: StepRunService, log: RunLog) -> None:
        self.db = db
        self.steps = steps
        self.log = log

    def schedule(self, ref: str) -> ScheduleRef:
        """The schedule `ref` names (an id, or a name: the live one, else the latest deleted
        one of that name); NotFound otherwise."""
        text = ref.strip()
        with self.db.read() as session:
            row: Schedule | None = None
            if text.isascii() and text.isdigit() and not text.startswith(NAME_PREFIX):
                number = int(text)
                row = session.get(Schedule, number) if 0 < number <= ID_MAX else None
                if row is None:
                    raise NotFound(f"no schedule with id {text}.", field="schedule")
            else:
                row = self._named(session, text.removeprefix(NAME_PREFIX).strip())
            return _ref(row)

    @staticmethod
    def _named(session: Session, name: str) -> Schedule:
        row = session.scalars(
            select(Schedule)
            .where(Schedule.name_key == name_key(name))
            .order_by(Schedule.deleted_at.is_not(None), Schedule.id.desc())
            .limit(1)
        ).first()
        if row is None:
            raise NotFound(f"no schedule, live or deleted, is named {name!r}.", field="schedule")
        return row

    def page(self, query: RunQuery) -> RunPage:
        """A page of runs, newest first."""
        where: list[ColumnElement[bool]] = []
        if query.schedule_id is not None:
            where.append(Run.schedule_id == query.schedule_id)
        if query.statuses:
            where.append(Run.status.in_(sorted(query.statuses)))
        if query.step_kind is not None:
            where.append(exists().where(StepRun.run_id == Run.id, StepRun.kind == query.step_kind))
        with self.db.read() as session:
            total = session.scalar(select(func.count(Run.id)).where(*where)) or 0
            rows = session.execute(
                select(Run, Schedule)
                .join(Schedule, Schedule.id == Run.schedule_id)
                .where(*where)
                .order_by(Run.id.desc())
                .offset(query.offset)
                .limit(query.limit)
            ).all()
            found = [(RunInfo.of(run), _ref(schedule)) for run, schedule in rows]
        steps = self.steps.of_runs([run.id for run, _ in found])
        order = {"steps": 0, "on_failure": 1, "on_missed": 2}
        items = [
            RunRow(
                run=run,
                schedule=schedule,
                steps_summary=steps_line(
                    sorted(steps[run.id], key=lambda s: (order.get(s.section, 9), s.position))
                ),
            )
            for run, schedule in found
        ]
        return RunPage(items=items, total=total, offset=query.offset, limit=query.limit)

    def detail(self, run_id: int) -> RunDetail:
        """One run with its schedule (live or deleted), step runs and logs."""
        with self.db.read() as session:
            run = session.get(Run, run_id)
            if run is None:
                raise NotFound(f"no run with id {run_id}.", field="run")
            schedule = session.get(Schedule, run.schedule_id)
            assert schedule is not None  # a run's schedule row is never removed
            info, ref = RunInfo.of(run), _ref(schedule)
        steps = [
            StepRunDetail(step=step, log=self.log.lines(run_id, step_run_id=step.id))
            for step in self.steps.of_run(run_id)
        ]
        own = [line for line in self.log.lines(run_id) if line.step_run_id is None]
        return RunDetail(run=info, schedule=ref, steps=steps, log=own)
