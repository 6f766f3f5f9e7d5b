"""The HTTP API's bodies for templates: a template file's keys as JSON in, and out the template,
its document and its row of the enable matrix (one cell per DB profile)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.schedules.templates.files import document
from core.schedules.templates.model import Parameter
from core.schedules.templates.render import instance_name
from core.schedules.templates.service import Cell, Matrix, TemplateApplied, TemplateInfo
from daemon.api.models import ScenarioOut

Steps = list[dict[str, Any]]
CellState = Literal["enabled", "paused", "off"]
_STATE: dict[str | None, CellState] = {"on": "enabled", "off": "paused", None: "off"}
_PARAMETERS = (
    "each a mapping of `name`, `type` (profile, scope, string, email, int, duration), "
    "`default`, `required` (default true) and `description`"
)


class TemplateIn(BaseModel):
    """A new template: the same keys as a template file. Step settings and the trigger may use
    `{{ param.NAME }}` and `{{ profile.name }}`, so they are checked when a cell is enabled."""

    model_config = ConfigDict(extra="forbid")
    slug: str = Field(examples=["nightly-pii"])
    name: str | None = Field(default=None, description="the display name (default: the slug)")
    description: str | None = None
    parameters: Steps | None = Field(default=None, description=_PARAMETERS)
    default_enabled: bool | None = Field(
        default=None, description="true: every DB profile added later gets an instance at once"
    )
    trigger: dict[str, Any] = Field(
        examples=[{"cron": "0 {{ param.hour }} * * *", "timezone": "UTC"}],
        description="as a scenario's: one of cron, once, interval, after; and its timezone",
    )
    steps: Steps = Field(description="each step a mapping with its `kind` and settings")
    on_failure: Steps | None = None
    on_missed: Steps | None = None
    missed_policy: str | None = Field(default=None, examples=["ask", "skip", "run_once"])
    retries: int | str | None = None
    misfire_grace: int | str | None = Field(default=None, description="seconds")

    def document(self) -> dict[str, Any]:
        """The body as a template document for the core (keys not given are left out)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class TemplateUpdate(TemplateIn):
    """A template's whole new definition; the slug is the path's (give it or leave it out)."""

    slug: str | None = Field(default=None, examples=["nightly-pii"])  # type: ignore[assignment]


class EnableIn(BaseModel):
    """Values for the template's parameters (those without a default must be given once)."""

    model_config = ConfigDict(extra="forbid")
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"hour": 3, "scope": ["main"]}])


class ParameterOut(BaseModel):
    """One parameter of a template."""

    name: str
    type: str
    default: Any
    required: bool = Field(description="true: enabling needs a value when there is no default")
    description: str

    @classmethod
    def of(cls, parameter: Parameter) -> ParameterOut:
        """The view of a parameter."""
        return cls(
            name=parameter.name,
            type=parameter.type,
            default=parameter.default,
            required=parameter.required,
            description=parameter.description,
        )


class CellOut(BaseModel):
    """A template's cell for one DB profile: `enabled`, `paused` (turned off: the instance is
    kept with its history) or `off` (never turned on), and its instance when there is one."""

    profile: str
    state: CellState
    schedule_id: int | None = Field(description="the instance's scenario id")
    name: str | None = Field(description="the instance's scenario name")
    status: str | None = Field(description="the instance's status")
    params: dict[str, Any] | None = Field(description="the instance's parameter values")

    @classmethod
    def of(cls, cell: Cell) -> CellOut:
        """The view of a matrix cell."""
        made = cell.schedule_id is not None
        return cls(
            profile=cell.profile,
            state=_STATE[cell.state],
            schedule_id=cell.schedule_id,
            name=instance_name(cell.slug, cell.profile) if made else None,
            status=cell.status.value if cell.status is not None else None,
            params=cell.params,
        )


class TemplateOut(BaseModel):
    """A template and its row of the enable matrix."""

    slug: str
    name: str
    description: str
    parameters: list[ParameterOut]
    default_enabled: bool
    built_in: bool = Field(description="shipped with the product")
    version: int
    instances: int = Field(description="how many live instances it has")
    matrix: list[CellOut] = Field(description="one cell per DB profile, by profile name")

    @classmethod
    def of(cls, info: TemplateInfo, matrix: Matrix, profiles: list[str]) -> TemplateOut:
        """The view of a template with its cells for `profiles`."""
        definition = info.definition
        return cls(
            slug=definition.slug,
            name=definition.name,
            description=definition.description,
            parameters=[ParameterOut.of(p) for p in definition.parameters],
            default_enabled=definition.default_enabled,
            built_in=info.builtin,
            version=info.version,
            instances=info.instances,
            matrix=[CellOut.of(matrix.cell(definition.slug, p)) for p in profiles],
        )


class TemplatePage(BaseModel):
    """Every template by slug, with the DB profiles its matrix row covers."""

    items: list[TemplateOut]
    profiles: list[str]
    total: int


class TemplateDetail(TemplateOut):
    """A template, its matrix row, and its document: the keys of a template file."""

    document: dict[str, Any]

    @classmethod
    def detail(cls, info: TemplateInfo, matrix: Matrix) -> TemplateDetail:
        """The view of one template with its document and every profile's cell."""
        row = TemplateOut.of(info, matrix, matrix.profiles)
        return cls(**row.model_dump(), document=document(info.definition))


class InstanceChangeOut(BaseModel):
    """What applying a template does to one of its instances."""

    name: str
    schedule_id: int
    changed: list[str] = Field(description="the keys re-rendered; empty: unchanged")


class TemplateAppliedOut(BaseModel):
    """What putting a template did (or would do, in a dry run), instance by instance."""

    slug: str
    action: Literal["created", "updated", "unchanged"]
    changed: list[str]
    instances: list[InstanceChangeOut]
    dry_run: bool
    template: TemplateOut | None = Field(description="as it stands now (none: not created yet)")

    @classmethod
    def of(
        cls, applied: TemplateApplied, dry_run: bool, template: TemplateOut | None
    ) -> TemplateAppliedOut:
        """The view of an apply."""
        return cls(
            slug=applied.slug,
            action=applied.action,
            changed=applied.changed,
            instances=[
                InstanceChangeOut(name=i.name, schedule_id=i.schedule_id, changed=i.changed)
                for i in applied.instances
            ],
            dry_run=dry_run,
            template=template,
        )


class InstanceOut(CellOut):
    """A cell after a toggle: the template, and its instance's scenario when there is one."""

    template: str
    scenario: ScenarioOut | None

    @classmethod
    def toggled(cls, cell: Cell, scenario: ScenarioOut | None) -> InstanceOut:
        """The view of a toggled cell."""
        return cls(**CellOut.of(cell).model_dump(), template=cell.slug, scenario=scenario)
