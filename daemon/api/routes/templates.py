"""`/api/scheduler/templates`: list, create, read, replace and remove templates, and turn their
cells of the enable matrix on and off, as `amx template …` does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from core.api import Core
from core.errors import InvalidInput
from core.schedules.templates.errors import ParameterRefused
from core.schedules.templates.model import template_def
from core.schedules.templates.service import Cell
from daemon.api.deps import CoreDep, Reader, Writer
from daemon.api.models import ScenarioOut
from daemon.api.models import problem_responses as _problems
from daemon.api.problems import ApiProblem
from daemon.api.template_models import (
    EnableIn,
    InstanceOut,
    TemplateAppliedOut,
    TemplateDetail,
    TemplateIn,
    TemplateOut,
    TemplatePage,
    TemplateUpdate,
)

router = APIRouter(prefix="/api/scheduler/templates", tags=["templates"])
Slug = Annotated[str, Path(description="the template's slug", examples=["nightly-pii"])]
Profile = Annotated[str, Path(description="the DB profile's name", examples=["shop"])]


def _template(core: Core, slug: str) -> TemplateOut:
    matrix = core.templates.matrix()
    return TemplateOut.of(core.templates.get(slug), matrix, matrix.profiles)


def _instance(core: Core, cell: Cell) -> InstanceOut:
    scenario = None
    if cell.schedule_id is not None:
        scenario = ScenarioOut.of(core.schedules.get(cell.schedule_id))
    return InstanceOut.toggled(cell, scenario)


@router.get("", response_model=TemplatePage, responses=_problems(404))
def list_templates(
    core: CoreDep,
    _: Reader,
    profile: Annotated[
        str | None, Query(description="only this DB profile's cell in each matrix row")
    ] = None,
) -> TemplatePage:
    """Every template by slug, each with its row of the enable matrix."""
    templates = core.templates.all()
    matrix = core.templates.matrix()
    profiles = matrix.profiles
    if profile is not None:
        profiles = [core.profiles.get_db(profile).name]
    return TemplatePage(
        items=[TemplateOut.of(info, matrix, profiles) for info in templates],
        profiles=profiles,
        total=len(templates),
    )


@router.post("", status_code=201, response_model=TemplateOut, responses=_problems(403, 409))
def create_template(body: TemplateIn, core: CoreDep, _: Writer, response: Response) -> TemplateOut:
    """Create a template from a template file's keys; 409 when its slug is taken."""
    created = core.templates.create(template_def(body.document()))
    response.headers["Location"] = f"{router.prefix}/{created.slug}"
    return _template(core, created.slug)


@router.get("/{slug}", response_model=TemplateDetail, responses=_problems(404))
def get_template(slug: Slug, core: CoreDep, _: Reader) -> TemplateDetail:
    """A template, its document (a template file's keys) and its row of the enable matrix."""
    return TemplateDetail.detail(core.templates.get(slug), core.templates.matrix())


@router.put(
    "/{slug}", response_model=TemplateAppliedOut,
    responses={201: {"model": TemplateAppliedOut, "description": "created"},
               **_problems(403, 409)},
)  # fmt: skip
def put_template(
    slug: Slug,
    body: TemplateUpdate,
    core: CoreDep,
    _: Writer,
    response: Response,
    dry_run: Annotated[bool, Query(description="say what would change; change nothing")] = False,
) -> TemplateAppliedOut:
    """Create or replace a template, as `amx template apply` does: every instance is rendered
    again with its own parameter values, keeping its id and history; a refusal changes nothing."""
    if body.slug is not None and body.slug != slug:
        raise ApiProblem(
            422,
            f"slug {body.slug!r} in the body differs from {slug!r} in the path; leave it out or "
            "make them the same.",
            field="slug",
        )
    definition = template_def({**body.document(), "slug": slug})
    applied = core.templates.apply([definition], dry_run=dry_run)[0]
    if applied.action == "created" and not dry_run:
        response.status_code = 201
        response.headers["Location"] = f"{router.prefix}/{slug}"
    current = None if applied.action == "created" and dry_run else _template(core, slug)
    return TemplateAppliedOut.of(applied, dry_run, current)


@router.delete("/{slug}", status_code=204, responses=_problems(403, 404, 409))
def delete_template(slug: Slug, core: CoreDep, _: Writer) -> Response:
    """Remove a template and its instances; their run history stays readable."""
    core.templates.remove(slug)
    return Response(status_code=204)


@router.post(
    "/{slug}/enable/{profile}",
    response_model=InstanceOut,
    responses=_problems(403, 404, 409),
)
def enable_template(
    slug: Slug, profile: Profile, core: CoreDep, _: Writer, body: EnableIn | None = None
) -> InstanceOut:
    """Turn a cell on: create the instance, or resume the paused one with its history; given
    `params` replace the instance's own values. Enabling an enabled cell answers the same
    instance."""
    try:
        cell = core.templates.enable(slug, profile, body.params if body else None)
    except ParameterRefused as exc:
        raise InvalidInput(f"params.{exc.field}", exc.message) from None
    return _instance(core, cell)


@router.post(
    "/{slug}/disable/{profile}",
    response_model=InstanceOut,
    responses=_problems(403, 404, 409),
)
def disable_template(slug: Slug, profile: Profile, core: CoreDep, _: Writer) -> InstanceOut:
    """Turn a cell off: pause its instance, which is kept with its history; a cell that is
    already off (paused, or never turned on) is answered as it is."""
    return _instance(core, core.templates.disable(slug, profile))
