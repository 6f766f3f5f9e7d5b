"""`/api/scheduler/scenarios`: list, create, read, change, delete, run, pause and resume
scenarios, and read their run history."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response

from core.schedules.lookup import ID_MAX
from core.schedules.run_history import RunQuery
from core.schedules.scenario.apply import patch_document
from core.schedules.scenario.files import spec_from_document
from core.schedules.service import ListQuery
from daemon.api.deps import CoreDep, Reader, Writer
from daemon.api.models import (
    RunPage,
    RunRequested,
    RunWithSteps,
    ScenarioDetail,
    ScenarioIn,
    ScenarioOut,
    ScenarioPage,
    ScenarioPatch,
)
from daemon.api.models import problem_responses as _problems
from daemon.api.problems import ApiProblem

PAGE_MAX = 500
HISTORY = 100


router = APIRouter(prefix="/api/scheduler/scenarios", tags=["scenarios"])
# Schedule ids are 32-bit integers on PostgreSQL.
ID_COLUMN_MAX = 2**31 - 1
ScenarioId = Annotated[int, Path(ge=1, le=ID_COLUMN_MAX, description="the scenario's id")]
Offset = Annotated[int, Query(ge=0, le=ID_MAX)]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX)]
_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


def _etag(scenario: ScenarioOut, response: Response) -> ScenarioOut:
    response.headers["ETag"] = f'"{scenario.version}"'
    return scenario


def _version(if_match: str) -> int:
    found = _VERSION.match(if_match)
    if found is None:
        raise ApiProblem(
            400,
            f"If-Match {if_match[:40]!r} is not a version; send the scenario's version, as its "
            'ETag gives it ("3").',
            field="if-match",
        )
    return int(found.group(1))


@router.get("", response_model=ScenarioPage, responses=_problems())
def list_scenarios(
    core: CoreDep,
    _: Reader,
    status: Annotated[list[str] | None, Query(description="any of these statuses")] = None,
    step_kind: Annotated[str | None, Query(description="has a step of this kind")] = None,
    profile: Annotated[str | None, Query(description="has a step on this DB profile")] = None,
    q: Annotated[str, Query(max_length=200, description="in the name or scope")] = "",
    offset: Offset = 0,
    limit: Limit = 50,
    count: Annotated[
        Literal["exact", "at_least"],
        Query(
            description="exact counts every match; at_least stops counting past 1,000 "
            "(total_exact false), which answers a text found in thousands at once"
        ),
    ] = "exact",
) -> ScenarioPage:
    """Scenarios by next fire time, filtered and paged."""
    statuses = {word for given in status or () for word in given.split(",") if word.strip()}
    page = core.schedules.list(
        ListQuery(
            statuses=frozenset(statuses),
            kind=None,
            text=q,
            offset=offset,
            limit=limit,
            step_kind=step_kind or None,
            profile=profile or None,
            exact_total=count == "exact",
        )
    )
    return ScenarioPage(
        items=[ScenarioOut.of(i) for i in page.items],
        total=page.total,
        total_exact=page.total_exact,
        offset=page.offset,
        limit=page.limit,
    )


@router.post("", status_code=201, response_model=ScenarioOut, responses=_problems(403, 409))
def create_scenario(body: ScenarioIn, core: CoreDep, _: Writer, response: Response) -> ScenarioOut:
    """Create a scenario from a scenario file's keys (Paused, given `paused: true`)."""
    spec = spec_from_document(body.document())
    created = ScenarioOut.of(core.schedules.create(spec, paused=body.paused))
    response.headers["Location"] = f"{router.prefix}/{created.id}"
    return _etag(created, response)


@router.get("/{scenario_id}", response_model=ScenarioDetail, responses=_problems(404))
def get_scenario(
    scenario_id: ScenarioId, core: CoreDep, _: Reader, response: Response
) -> ScenarioDetail:
    """A scenario's configuration and its last 100 runs."""
    detail = core.schedules.show(scenario_id, runs=HISTORY)
    scenario = _etag(ScenarioOut.of(detail.schedule), response)
    return ScenarioDetail(scenario=scenario, runs=detail.runs, runs_total=detail.runs_total)


@router.patch(
    "/{scenario_id}", response_model=ScenarioOut, responses=_problems(400, 403, 404, 409, 412, 428)
)
def patch_scenario(
    scenario_id: ScenarioId,
    body: ScenarioPatch,
    core: CoreDep,
    _: Writer,
    response: Response,
    if_match: Annotated[
        str | None, Header(description="the version the change was made on (its ETag)")
    ] = None,
) -> ScenarioOut:
    """Change a scenario's trigger, steps (recipients are settings of its steps) or other keys;
    412 when it changed since the version in If-Match."""
    if if_match is None:
        raise ApiProblem(
            428,
            "a change needs If-Match with the version it was made on; read the scenario and "
            "send its ETag.",
            field="if-match",
        )
    changed = patch_document(
        core.schedules, scenario_id, body.changes(), expected_version=_version(if_match)
    )
    return _etag(ScenarioOut.of(changed), response)


@router.delete("/{scenario_id}", status_code=204, responses=_problems(403, 404, 409))
def delete_scenario(scenario_id: ScenarioId, core: CoreDep, _: Writer) -> Response:
    """Remove a scenario; its run history stays readable."""
    core.schedules.delete(scenario_id)
    return Response(status_code=204)


@router.post(
    "/{scenario_id}/run", status_code=202, response_model=RunRequested,
    responses=_problems(403, 404, 409),
)  # fmt: skip
def run_scenario(scenario_id: ScenarioId, core: CoreDep, _: Writer) -> RunRequested:
    """Queue an out-of-band run, whatever the trigger says."""
    done = core.schedules.run_now(scenario_id)
    return RunRequested(scenario=ScenarioOut.of(done.schedule), run=done.run)


@router.post("/{scenario_id}/pause", response_model=ScenarioOut, responses=_problems(403, 404, 409))
def pause_scenario(
    scenario_id: ScenarioId, core: CoreDep, _: Writer, response: Response
) -> ScenarioOut:
    """Pending → Paused."""
    return _etag(ScenarioOut.of(core.schedules.pause(scenario_id)), response)


@router.post(
    "/{scenario_id}/resume", response_model=ScenarioOut, responses=_problems(403, 404, 409)
)
def resume_scenario(
    scenario_id: ScenarioId, core: CoreDep, _: Writer, response: Response
) -> ScenarioOut:
    """Paused → Pending (a fire time passed meanwhile is handled by the missed policy)."""
    return _etag(ScenarioOut.of(core.schedules.resume(scenario_id)), response)


@router.get("/{scenario_id}/runs", response_model=RunPage, responses=_problems(404))
def scenario_runs(
    scenario_id: ScenarioId,
    core: CoreDep,
    _: Reader,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50,
) -> RunPage:
    """A page of the scenario's runs with their step runs, newest first (also once deleted)."""
    ref = core.runs.schedule_of(str(scenario_id))
    page = core.runs.history(RunQuery(schedule_id=ref.id, offset=offset, limit=limit))
    steps = core.runs.steps.of_runs([row.run.id for row in page.items])
    return RunPage(
        items=[
            RunWithSteps(
                run=row.run,
                schedule=row.schedule,
                steps_summary=row.steps_summary,
                steps=steps.get(row.run.id, []),
            )
            for row in page.items
        ],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )
