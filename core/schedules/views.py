"""Read-only views the service hands to front ends; `model_dump(mode="json")` is the stable JSON."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Row

from core.catalog.scope import from_texts, summary
from core.schedules.policies import (
    Kind,
    MissedPolicy,
    Review,
    llm_shown,
    review_shown,
    unscoped_shown,
)
from core.schedules.scenario import Scenario, Step, parse_steps, steps_summary
from core.schedules.scenario.model import first_analysis
from core.schedules.spec import TriggerField
from core.schedules.status import RunStatus, Status
from core.schedules.triggers import Trigger, describe
from core.storage.tables import Run, Schedule


@lru_cache(maxsize=4096)
def _rule(trigger: Trigger, tz_name: str) -> str:
    return describe(trigger, tz_name)


@lru_cache(maxsize=4096)
def _scope_summary(paths: tuple[str, ...]) -> str:
    return summary(from_texts(paths))


def _frozen(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=4096)
def _scenario(text: str) -> Scenario:
    # Stored scenarios repeat a lot (templates, the demo) and are immutable once parsed.
    data = json.loads(text)
    return Scenario(
        steps=parse_steps("steps", data.get("steps", [])),
        on_failure=parse_steps("on_failure", data.get("on_failure", [])),
        on_missed=parse_steps("on_missed", data.get("on_missed", [])),
    )


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class RunInfo(BaseModel):
    """One run of a schedule."""

    model_config = ConfigDict(frozen=True)
    id: int
    schedule_id: int
    scheduled_for: datetime
    trigger: str
    attempt: int
    status: RunStatus
    worker_id: str | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None
    summary: dict[str, Any] | None
    error: str | None
    note: str | None

    @classmethod
    def of(cls, row: Run | Row[Any]) -> RunInfo:
        """The view of a stored run (its ORM row, or a row of the runs table's columns)."""
        duration = None
        if row.started_at and row.finished_at:
            duration = (row.finished_at - row.started_at).total_seconds()
        return cls(
            id=row.id,
            schedule_id=row.schedule_id,
            scheduled_for=row.scheduled_for,
            trigger=row.trigger,
            attempt=row.attempt,
            status=RunStatus(row.status),
            worker_id=row.worker_id,
            started_at=row.started_at,
            finished_at=row.finished_at,
            duration_s=duration,
            summary=row.summary,
            error=row.error,
            note=row.note,
        )


class ScheduleInfo(BaseModel):
    """A schedule as front ends show it."""

    model_config = ConfigDict(frozen=True)
    id: int
    name: str
    kind: Kind
    status: Status
    trigger: TriggerField
    rule: str
    timezone: str
    next_fire_at: datetime | None
    next_fire_local: str | None
    db_profile: str
    database: str | None
    scope: list[str]
    scope_summary: str
    steps: list[Step]
    on_failure: list[Step]
    on_missed: list[Step]
    steps_summary: str
    llm_profile: str | None  # of its first analyze step, if it has one
    review_strategy: Review | None
    missed_policy: MissedPolicy
    misfire_grace_s: int
    max_retries: int
    retry_count: int
    note: str | None
    missed_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    template_slug: str | None = None  # of a template's instance, with its profile and values
    template_profile: str | None = None
    template_params: dict[str, Any] | None = None

    @property
    def llm_shown(self) -> str:
        """The LLM profile as lists show it ("—" when no step analyses)."""
        return llm_shown(self.llm_profile)

    @property
    def review_shown(self) -> str:
        """The review strategy as lists show it: Auto, Manual, or "—"."""
        return review_shown(self.review_strategy)

    @classmethod
    def of(cls, row: Schedule) -> ScheduleInfo:
        """The view of a stored schedule (its values are the store's, already typed: not
        validated again)."""
        scenario = _scenario(_frozen(row.scenario))
        lead = first_analysis(scenario.steps)
        local = None
        if row.next_fire_at is not None:
            local = row.next_fire_at.astimezone(_zone(row.timezone)).isoformat()
        return cls.model_construct(
            id=row.id,
            name=row.name,
            kind=row.kind,
            status=Status(row.status),
            trigger=row.trigger,
            rule=_rule(row.trigger, row.timezone),
            timezone=row.timezone,
            next_fire_at=row.next_fire_at,
            next_fire_local=local,
            db_profile=row.db_profile,
            database=row.database,
            scope=list(row.scope),
            scope_summary=_scope_summary(tuple(row.scope))
            if row.scope
            else unscoped_shown(row.db_profile),
            steps=scenario.steps,
            on_failure=scenario.on_failure,
            on_missed=scenario.on_missed,
            steps_summary=steps_summary(scenario.steps),
            llm_profile=lead.llm_profile if lead else None,
            review_strategy=lead.review if lead else None,
            missed_policy=row.missed_policy,
            misfire_grace_s=row.misfire_grace_s,
            max_retries=row.max_retries,
            retry_count=row.retry_count,
            note=row.note,
            missed_reason=row.missed_reason if row.status == Status.MISSED else None,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
            template_slug=row.template_slug,
            template_profile=row.template_profile,
            template_params=dict(row.template_params) if row.template_params else None,
        )


class Page(BaseModel):
    """One page of a filtered, sorted schedule list, with the total that matched: exactly, or
    (`total_exact` false) at least that many and more."""

    model_config = ConfigDict(frozen=True)
    items: list[ScheduleInfo]
    total: int
    total_exact: bool = True
    offset: int
    limit: int


class ScheduleDetail(BaseModel):
    """A schedule's configuration and its latest runs, newest first."""

    model_config = ConfigDict(frozen=True)
    schedule: ScheduleInfo
    runs: list[RunInfo]
    runs_total: int
