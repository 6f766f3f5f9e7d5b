"""The HTTP API's request and response bodies. Requests take a scenario file's shape (as JSON);
the core validates every value and its refusal is the client's one sentence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.schedules.run_history import ScheduleRef
from core.schedules.scenario.files import trigger_document
from core.schedules.scenario.model import step_data
from core.schedules.step_runs import StepRunInfo
from core.schedules.views import RunInfo, ScheduleInfo
from daemon.api.problems import MEDIA_TYPE
from daemon.health import Health, WorkerInfo

Steps = list[dict[str, Any]]


class TriggerIn(BaseModel):
    """When a scenario fires: exactly one of cron, once, interval, after; and its timezone."""

    model_config = ConfigDict(extra="forbid")
    cron: str | None = Field(default=None, examples=["0 2 * * *"])
    once: str | None = Field(default=None, examples=["2026-12-24 09:00"])
    interval: str | int | None = Field(default=None, examples=["6h"])
    after: str | None = Field(default=None, description="the name of the upstream schedule")
    timezone: str | None = Field(
        default=None,
        examples=["Asia/Jakarta"],
        description="an IANA zone; left out: UTC, or AMX_DEFAULT_TIMEZONE where the server runs",
    )


class ScenarioIn(BaseModel):
    """A new scenario: the same keys as a scenario file."""

    model_config = ConfigDict(extra="forbid")
    name: str
    trigger: TriggerIn
    steps: Steps = Field(description="each step a mapping with its `kind` and settings")
    on_failure: Steps | None = None
    on_missed: Steps | None = None
    missed_policy: str | None = Field(default=None, examples=["ask", "skip", "run_once"])
    retries: int | None = None
    misfire_grace: int | None = Field(default=None, description="seconds")
    paused: bool = Field(default=False, description="create it paused, as a file's `paused: true`")

    def document(self) -> dict[str, Any]:
        """The body as a scenario document for the core (what it is; `paused` is where it
        stands)."""
        data = self.model_dump(exclude_none=True, exclude={"paused"})
        data["trigger"] = self.trigger.model_dump(exclude_none=True)
        return data


class ScenarioPatch(BaseModel):
    """What to change in a scenario; keys left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    trigger: TriggerIn | None = None
    steps: Steps | None = None
    on_failure: Steps | None = None
    on_missed: Steps | None = None
    missed_policy: str | None = None
    retries: int | None = None
    misfire_grace: int | None = None

    def changes(self) -> dict[str, Any]:
        """The keys given, in a scenario document's words."""
        data = self.model_dump(exclude_none=True)
        if self.trigger is not None:
            data["trigger"] = self.trigger.model_dump(exclude_none=True)
        return data


class ScenarioOut(BaseModel):
    """A scenario: its document (the keys a file has) and where it stands."""

    id: int
    name: str
    status: str
    version: int = Field(description="send it back in If-Match to change the scenario")
    trigger: dict[str, Any]
    steps: Steps
    on_failure: Steps
    on_missed: Steps
    missed_policy: str
    retries: int
    misfire_grace: int
    rule: str
    next_fire_at: datetime | None
    next_fire_local: str | None
    steps_summary: str
    note: str | None
    missed_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, info: ScheduleInfo) -> ScenarioOut:
        """The view of a schedule."""
        return cls(
            id=info.id,
            name=info.name,
            status=info.status.value,
            version=info.version,
            trigger=trigger_document(info.trigger, info.timezone),
            steps=[step_data(s) for s in info.steps],
            on_failure=[step_data(s) for s in info.on_failure],
            on_missed=[step_data(s) for s in info.on_missed],
            missed_policy=info.missed_policy,
            retries=info.max_retries,
            misfire_grace=info.misfire_grace_s,
            rule=info.rule,
            next_fire_at=info.next_fire_at,
            next_fire_local=info.next_fire_local,
            steps_summary=info.steps_summary,
            note=info.note,
            missed_reason=info.missed_reason,
            created_at=info.created_at,
            updated_at=info.updated_at,
        )


class ScenarioPage(BaseModel):
    """One page of scenarios and how many matched in all: exactly, or (`total_exact` false,
    asked with `count=at_least`) at least that many."""

    items: list[ScenarioOut]
    total: int
    total_exact: bool = True
    offset: int
    limit: int


class ScenarioDetail(BaseModel):
    """A scenario and its latest runs, newest first."""

    scenario: ScenarioOut
    runs: list[RunInfo]
    runs_total: int


class RunWithSteps(BaseModel):
    """A run, the schedule it belongs to (live or deleted) and its step runs."""

    run: RunInfo
    schedule: ScheduleRef
    steps_summary: str
    steps: list[StepRunInfo]


class RunPage(BaseModel):
    """One page of run history, newest first."""

    items: list[RunWithSteps]
    total: int
    offset: int
    limit: int


class RunRequested(BaseModel):
    """An out-of-band run: the queued run, or none when a Missed occurrence was set to fire now."""

    scenario: ScenarioOut
    run: RunInfo | None


class WorkerOut(BaseModel):
    """One daemon's heartbeat."""

    id: str
    host: str
    pid: int
    started_at: datetime
    last_seen_at: datetime
    current_run_id: int | None
    version: str
    alive: bool
    stopped: bool

    @classmethod
    def of(cls, worker: WorkerInfo) -> WorkerOut:
        """The view of a worker."""
        return cls(
            id=worker.id,
            host=worker.host,
            pid=worker.pid,
            started_at=worker.started_at,
            last_seen_at=worker.last_seen_at,
            current_run_id=worker.current_run_id,
            version=worker.version,
            alive=worker.alive,
            stopped=worker.stopped,
        )


class HealthOut(BaseModel):
    """Whether a daemon heartbeated within 90 s, from the heartbeats in the database."""

    alive: bool
    last_seen: datetime | None
    workers: list[WorkerOut]

    @classmethod
    def of(cls, health: Health) -> HealthOut:
        """The view of the daemons' health."""
        return cls(
            alive=health.alive,
            last_seen=health.last_seen,
            workers=[WorkerOut.of(w) for w in health.workers],
        )


class Problem(BaseModel):
    """An error (RFC 9457): `detail` is one sentence saying what is wrong and how to fix it."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of an endpoint's refusals: 400, 401, 422 and `codes`, each a
    problem+json `Problem`."""
    return {
        code: {
            "model": Problem,
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for code in sorted({400, 401, 422, *codes})
    }
