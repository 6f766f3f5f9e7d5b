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

from core.catalog.scope import normalize_paths
from core.errors import InvalidInput
from core.schedules.policies import Kind, MissedPolicy, Review
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


class ScheduleSpec(BaseModel):
    """What a person asks for; the service adds status, fire times and versions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: Kind = "analyze"
    trigger: TriggerField
    timezone: str = Field(default_factory=default_zone_name)
    db_profile: str
    database: str | None = None
    scope: list[str]
    llm_profile: str = "heuristic"
    review_strategy: Review = "manual"
    missed_policy: MissedPolicy = "ask"
    misfire_grace_s: int = Field(default=60, ge=0, le=86_400)
    max_retries: int = Field(default=3, ge=0, le=20)

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

    @field_validator("db_profile", "llm_profile")
    @classmethod
    def _profile(cls, value: str) -> str:
        return value.strip()

    @field_validator("database")
    @classmethod
    def _database(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @model_validator(mode="after")
    def _scope(self) -> ScheduleSpec:
        object.__setattr__(self, "scope", normalize_paths(self.scope, self.database))
        return self


_FIELD_FIX = {
    "kind": "use analyze",
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
