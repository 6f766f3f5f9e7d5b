"""A scenario: the steps a schedule fires, its failure and missed steps, parsed with errors that
name the step and the field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from core.errors import InvalidInput
from core.schedules.scenario.steps import STEP_KINDS, AnalyzeStep, Step
from core.schedules.step_outline import kinds_summary

Section = Literal["steps", "on_failure", "on_missed"]
SECTIONS: tuple[Section, ...] = ("steps", "on_failure", "on_missed")
STEPS_MAX = 100
_STEP: TypeAdapter[Step] = TypeAdapter(Step)


class Scenario(BaseModel):
    """What a schedule runs: its steps, in order, and the steps that tell people of trouble."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: list[Step] = Field(min_length=1)
    on_failure: list[Step] = Field(default_factory=list)
    on_missed: list[Step] = Field(default_factory=list)

    def section(self, name: Section) -> list[Step]:
        """The steps of one section."""
        return list(getattr(self, name))

    def as_data(self) -> dict[str, Any]:
        """The scenario as stored (JSON), leaving out settings at their defaults."""
        data: dict[str, Any] = {}
        for name in SECTIONS:
            steps = self.section(name)
            if steps or name == "steps":
                data[name] = [step_data(step) for step in steps]
        return data


def step_data(step: Step) -> dict[str, Any]:
    """One step as plain data: its kind first, then what differs from the defaults."""
    return {"kind": step.kind, **step.model_dump(mode="json", exclude_defaults=True)}


def _where(section: str, index: int, item: Any) -> str:
    kind = item.get("kind") if isinstance(item, dict) else None
    return f"{section}[{index + 1}]" + (f" ({kind})" if isinstance(kind, str) else "")


def _sentence(where: str, error: Any, item: Any) -> tuple[str, str]:
    loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
    # The discriminated union puts the kind's own name first in the location: drop it.
    if loc and loc[0] in STEP_KINDS:
        loc = loc[1:]
    field = ".".join(loc)
    kind = item.get("kind") if isinstance(item, dict) else None
    if error["type"] == "union_tag_not_found" or (field == "kind" and not loc[1:]):
        return "kind", f"{where}: give its kind, one of {', '.join(STEP_KINDS)}."
    if error["type"] == "union_tag_invalid":
        return "kind", f"{where}: kind {kind!r} is not known; use one of {', '.join(STEP_KINDS)}."
    if error["type"] == "missing":
        return field, f"{where}: {field} is required."
    if error["type"] == "too_short" and isinstance(error.get("input"), list | dict):
        least = error.get("ctx", {}).get("min_length", 1)
        return field, f"{where}: {field} is empty; give at least {least}."
    if error["type"] == "extra_forbidden":
        known = _fields_of(kind)
        return field, f"{where}: {field} is not a setting of this step; its settings are {known}."
    message = str(error["msg"]).removeprefix("Value error, ")
    got = error.get("input")
    shown = f" {got!r}" if field and not isinstance(got, dict | list) else ""
    if field:
        return field, f"{where}: {field}{shown} is not accepted: {message}."
    return "step", f"{where}: {message}."


def _fields_of(kind: Any) -> str:
    from core.schedules.scenario import steps as kinds

    for model in vars(kinds).values():
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get("kind")
            if field is not None and field.default == kind:
                return ", ".join(name for name in model.model_fields if name != "kind")
    return "unknown"


def parse_steps(section: str, items: Sequence[Any]) -> list[Step]:
    """Validate a section's steps; a refusal names the step (section[n] (kind)) and its field."""
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise InvalidInput(section, f"{section} must be a list of steps.")
    if len(items) > STEPS_MAX:
        raise InvalidInput(section, f"{section} has {len(items)} steps; keep it to {STEPS_MAX}.")
    if section == "steps" and not items:
        raise InvalidInput("steps", "steps is empty; give the scenario at least one step.")
    steps: list[Step] = []
    for index, item in enumerate(items):
        if isinstance(item, BaseModel):
            steps.append(_STEP.validate_python(step_data(item)))  # type: ignore[arg-type]
            continue
        where = _where(section, index, item)
        if not isinstance(item, dict):
            raise InvalidInput(f"{section}[{index + 1}]", f"{where} must be a mapping of settings.")
        try:
            steps.append(_STEP.validate_python(item))
        except ValidationError as exc:
            field, message = _sentence(where, exc.errors()[0], item)
            raise InvalidInput(f"{section}[{index + 1}].{field}", message) from None
        except InvalidInput as exc:  # a check of the core's own (a scope, say)
            raise InvalidInput(f"{section}[{index + 1}].{exc.field}", f"{where}: {exc}") from None
    return steps


def groups(steps: Sequence[Step]) -> list[list[tuple[int, Step]]]:
    """The steps as they run: each group is one sequential step, or consecutive parallel steps
    that fan out together. Items keep their position in the section."""
    out: list[list[tuple[int, Step]]] = []
    for position, step in enumerate(steps):
        if step.parallel and out and out[-1][-1][1].parallel:
            out[-1].append((position, step))
        else:
            out.append([(position, step)])
    return out


def steps_summary(steps: Sequence[Step], shown: int = 2) -> str:
    """The steps in a few words: "analyze → export_docs, +2"."""
    return kinds_summary([step.kind for step in steps], shown)


def first_analysis(steps: Sequence[Step]) -> AnalyzeStep | None:
    """The scenario's first analyze step, whose settings the Schedules page shows."""
    return next((step for step in steps if isinstance(step, AnalyzeStep)), None)
