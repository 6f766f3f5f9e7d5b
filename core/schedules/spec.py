"""The validated input for creating or editing a schedule: every front end builds one of these."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from core.errors import InvalidInput
from core.schedules.headline import Headline, headline_of
from core.schedules.policies import Kind, MissedPolicy, Review
from core.schedules.scenario import Scenario, Step, parse_steps
from core.schedules.scenario.model import first_analysis, step_data
from core.schedules.triggers import (
    IntervalTrigger,
    Trigger,
    default_zone_name,
    trigger_from_data,
    trigger_to_data,
    zone,
)
from core.text import NAME_KEY_MAX, name_key, name_problem

NAME_MAX = 120
# Triggers validate themselves (they are plain dataclasses); a spec takes one or its stored dict.
TriggerField = Annotated[
    Trigger, PlainValidator(trigger_from_data), PlainSerializer(trigger_to_data)
]


# The form of a one-step analysis schedule, which the dialog and `amx schedule add` write: these
# fields become one analyze (or cache_refresh) step, and read back from the scenario's first one.
ANALYSIS_FIELDS = ("kind", "db_profile", "database", "scope", "llm_profile", "review_strategy")
_STEP_FIELD = {"profile": "db_profile", "review": "review_strategy"}


def _analysis_step(data: dict[str, Any]) -> dict[str, Any]:
    """The one step that the flat analysis fields describe, refused field by field."""
    kind = data.pop("kind", "analyze") or "analyze"
    if kind not in ("analyze", "cache_refresh"):
        raise InvalidInput("kind", f"kind {kind!r} is not accepted; use analyze.")
    step: dict[str, Any] = {"kind": kind}
    for flat in ("db_profile", "database", "scope", "llm_profile", "review_strategy"):
        if flat in data:
            value = data.pop(flat)
            if kind == "cache_refresh" and flat in ("llm_profile", "review_strategy"):
                continue
            step[_STEP_KEY[flat]] = value
    for required in ("db_profile", "scope"):
        if _STEP_KEY[required] not in step and (required == "db_profile" or kind == "analyze"):
            raise InvalidInput(required, f"{required} is required.")
    try:
        parse_steps("steps", [step])
    except InvalidInput as exc:
        inner = exc.field.rpartition(".")[2]
        field = _STEP_FIELD.get(inner, inner)
        said = exc.message.partition(": ")[2]
        if "is not accepted: " not in said:  # the core's own sentence (a scope, say): as it is
            raise InvalidInput(field, said) from None
        got = step.get(inner)
        fix = _FIELD_FIX.get(field, said.partition("is not accepted: ")[2].rstrip("."))
        raise InvalidInput(field, f"{field} {got!r} is not accepted; {fix}.") from None
    return step


_STEP_KEY = {v: k for k, v in _STEP_FIELD.items()} | {
    "database": "database",
    "scope": "scope",
    "llm_profile": "llm_profile",
}


def with_analysis(steps: list[Step], flat: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps with the analysis form's fields (db_profile, scope…) set in the first analyze
    step: how a person edits an analysis schedule without naming its steps."""
    lead = first_analysis(steps)
    if lead is None:
        field = next(iter(flat))
        raise InvalidInput(
            field, f"{field} belongs to an analyze step and this scenario has none; edit its steps."
        )
    out = []
    for step in steps:
        data = step_data(step)
        if step is lead:
            if "kind" in flat and flat["kind"] != "analyze":
                raise InvalidInput("kind", f"kind {flat['kind']!r} is not accepted; use analyze.")
            data.update({_STEP_KEY[k]: v for k, v in flat.items() if k != "kind"})
            if "database" in flat and "scope" not in flat:
                data["scope"] = list(lead.scope)
        out.append(data)
    return out


class ScheduleSpec(BaseModel):
    """What a person asks for; the service adds status, fire times and versions.

    A schedule fires a scenario: `steps`, and `on_failure` / `on_missed` steps that reach
    people. The flat analysis fields (`db_profile`, `scope`, `llm_profile`…) may be given instead
    of `steps`, for a schedule of one analyze step, and read back from its first analyze step.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    trigger: TriggerField
    timezone: str = Field(default_factory=default_zone_name)
    steps: list[Step] = Field(min_length=1)
    on_failure: list[Step] = Field(default_factory=list)
    on_missed: list[Step] = Field(default_factory=list)
    missed_policy: MissedPolicy = "ask"
    misfire_grace_s: int = Field(default=60, ge=0, le=86_400)
    max_retries: int = Field(default=3, ge=0, le=20)

    @model_validator(mode="before")
    @classmethod
    def _analysis_form(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        flat = {key: data[key] for key in ANALYSIS_FIELDS if key in data}
        if not flat:
            return data
        rest = {key: value for key, value in data.items() if key not in ANALYSIS_FIELDS}
        if "steps" in rest:
            raise InvalidInput(
                next(iter(flat)),
                f"{next(iter(flat))} belongs to an analyze step when steps are given; set it "
                "in that step.",
            )
        return {**rest, "steps": [_analysis_step(flat)]}

    @field_validator("steps", "on_failure", "on_missed", mode="before")
    @classmethod
    def _steps(cls, value: Any, info: Any) -> Any:
        return parse_steps(info.field_name, value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        # Before the whitespace is folded: split() would eat some controls (\x1c-\x1f, \x85).
        problem = name_problem(value, "name")
        if problem:
            raise InvalidInput("name", problem)
        value = " ".join(value.split())
        if not value:
            raise InvalidInput("name", "name is empty; give the schedule a name.")
        if len(value) > NAME_MAX:
            raise InvalidInput(
                "name", f"name is {len(value)} characters long; keep it to {NAME_MAX} or fewer."
            )
        if len(name_key(value)) > NAME_KEY_MAX:
            raise InvalidInput(
                "name", f"name grows past {NAME_KEY_MAX} characters when normalised; shorten it."
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        zone(value)
        return value

    @property
    def scenario(self) -> Scenario:
        """The steps as one scenario."""
        return Scenario(steps=self.steps, on_failure=self.on_failure, on_missed=self.on_missed)

    @property
    def headline(self) -> Headline:
        """What the schedule lists show of it (see `Headline`)."""
        return headline_of(self.steps)

    @property
    def kind(self) -> Kind:
        """The page it belongs to: cache_refresh when it only refreshes catalogs."""
        return self.headline.kind

    @property
    def db_profile(self) -> str:
        """The DB profile of its first analyze step (else of its first step on a profile)."""
        return self.headline.db_profile

    @property
    def database(self) -> str | None:
        """The database of that step."""
        return self.headline.database

    @property
    def scope(self) -> list[str]:
        """The scope of that step."""
        return list(self.headline.scope)

    @property
    def llm_profile(self) -> str | None:
        """The LLM profile of its first analyze step, if it has one."""
        step = first_analysis(self.steps)
        return step.llm_profile if step else None

    @property
    def review_strategy(self) -> Review | None:
        """The review strategy of its first analyze step, if it has one."""
        step = first_analysis(self.steps)
        return step.review if step else None


_FIELD_FIX = {
    "kind": "use analyze",
    "db_profile": "give the name of a DB profile",
    "llm_profile": "give the name of an LLM profile",
    "review_strategy": "use auto or manual",
    "missed_policy": "use ask, skip or run-once",
    "misfire_grace_s": "use a number of seconds from 0 to 86400",
    "max_retries": "use a number from 0 to 20",
}


def build_spec(**fields: Any) -> ScheduleSpec:
    """Validate raw fields into a ScheduleSpec; any refusal is one InvalidInput sentence."""
    try:
        return ScheduleSpec(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error["loc"]
        field = str(loc[0]) if loc else "input"
        got = error.get("input")
        if error["type"] == "missing":
            raise InvalidInput(field, f"{field} is required.") from None
        fix = _FIELD_FIX.get(field, error["msg"].lower())
        raise InvalidInput(field, f"{field} {got!r} is not accepted; {fix}.") from None


def with_anchor(spec: ScheduleSpec, anchor: datetime | None) -> ScheduleSpec:
    """The spec with an interval trigger anchored at `anchor` (to the whole minute) if unset."""
    trigger = spec.trigger
    if isinstance(trigger, IntervalTrigger) and trigger.anchor is None and anchor is not None:
        # Whole minutes keep fire times readable: "every 6h" from 22:13, not 22:13:58.85.
        whole = anchor.replace(second=0, microsecond=0)
        return spec.model_copy(update={"trigger": replace(trigger, anchor=whole)})
    return spec
