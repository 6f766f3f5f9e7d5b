"""A step's settings as form fields, read from the core's pydantic model of its kind: a switch
for a yes/no setting, a choice for a fixed set of words, a line of text for the rest (lists
comma-separated, mappings as `KEY=value, …`).  The core validates what comes back."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import BaseModel

from core.errors import InvalidInput
from core.schedules.form import ScheduleForm
from core.schedules.scenario import parse_steps
from core.schedules.scenario import steps as kinds
from core.schedules.scenario.steps import STEP_KINDS

Control = Literal["switch", "choice", "text"]
Shape = Literal["bool", "choice", "list", "mapping", "text"]
# The analysis fields of the dialog set these settings of its first analyze step.
LEAD_SETTINGS = {
    "profile": "db_profile",
    "database": "database",
    "scope": "scope",
    "llm_profile": "llm_profile",
    "review": "review_strategy",
}
_COMMON = ("name", "parallel", "transactional")


@dataclass(frozen=True)
class StepField:
    """One setting of a step kind as the form shows it."""

    name: str
    shape: Shape
    required: bool
    default: Any
    choices: tuple[str, ...] = ()

    @property
    def control(self) -> Control:
        """The widget that edits it."""
        if self.shape == "bool":
            return "switch"
        return "choice" if self.shape == "choice" else "text"

    @property
    def hint(self) -> str:
        """How to write it, said beside its label."""
        if self.shape == "list":
            return "comma-separated"
        if self.shape == "mapping":
            return "KEY=value, comma-separated"
        return "required" if self.required else ""


def model_of(kind: str) -> type[BaseModel]:
    """The core's settings model of a step kind."""
    for model in vars(kinds).values():
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get("kind")
            if field is not None and field.default == kind:
                return model
    raise KeyError(kind)


def _shape(annotation: Any) -> tuple[Shape, tuple[str, ...]]:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _shape(args[0])
    if annotation is bool:
        return "bool", ()
    if origin is Literal:
        return "choice", tuple(str(a) for a in typing.get_args(annotation))
    if origin is list:
        return "list", ()
    if origin is dict:
        return "mapping", ()
    return "text", ()


def fields_of(kind: str) -> list[StepField]:
    """The settings of `kind`, its own first, then its name and how it runs with others."""
    model = model_of(kind)
    found = []
    for name, info in model.model_fields.items():
        if name == "kind":
            continue
        shape, choices = _shape(info.annotation)
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        found.append(StepField(name, shape, info.is_required(), default, choices))
    own = [f for f in found if f.name not in _COMMON]
    return own + [f for f in found if f.name in _COMMON]


def value_of(data: dict[str, Any], field: StepField) -> Any:
    """The step's value of `field`: as set, else its default."""
    return data.get(field.name, field.default)


def as_text(value: Any, field: StepField) -> str:
    """A value as the form's text shows it."""
    if value is None:
        return ""
    if field.shape == "list":
        return ", ".join(str(v) for v in value)
    if field.shape == "mapping":
        return ", ".join(f"{k}={v}" for k, v in dict(value).items())
    return str(value)


def from_text(text: str, field: StepField) -> Any:
    """What the person wrote, as the value handed to the core (None: not set)."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if field.shape == "list":
        return [part.strip() for part in cleaned.split(",") if part.strip()]
    if field.shape == "mapping":
        pairs = [part.partition("=") for part in cleaned.split(",") if part.strip()]
        return {key.strip(): value.strip() for key, _eq, value in pairs}
    return cleaned


def with_value(data: dict[str, Any], field: StepField, value: Any) -> dict[str, Any]:
    """The step with `field` set to `value`; unset (None, or its default) leaves it out."""
    out = {k: v for k, v in data.items() if k != field.name}
    if value is not None and value != field.default:
        out[field.name] = value
    return out


def new_step(kind: str, profile: str | None) -> dict[str, Any]:
    """A new step of `kind`, on the dialog's DB profile when the kind works on one."""
    if kind not in STEP_KINDS:
        raise KeyError(kind)
    data: dict[str, Any] = {"kind": kind}
    needs = {f.name for f in fields_of(kind) if f.required}
    if profile and "profile" in needs:
        data["profile"] = profile
    return data


def label(data: dict[str, Any], position: int, lead: bool) -> str:
    """A step's line in the list: `2 ∥ export_docs · docs (…)`."""
    mark = "∥" if data.get("parallel") else " "
    text = f"{position + 1:>2} {mark} {data.get('kind', '?')}"
    if data.get("name"):
        text += f" · {data['name']}"
    if lead:
        text += "  (the analysis fields above)"
    return text


def lead_index(steps: Sequence[dict[str, Any]]) -> int | None:
    """The first analyze step: the analysis fields of the dialog are its settings."""
    return next((i for i, s in enumerate(steps) if s.get("kind") == "analyze"), None)


def with_lead(steps: Sequence[dict[str, Any]], flat: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps with the dialog's analysis fields (db_profile, scope…) set in the lead step."""
    lead = lead_index(steps)
    out = [dict(s) for s in steps]
    if lead is not None:
        for setting, name in LEAD_SETTINGS.items():
            if name in flat:
                out[lead][setting] = flat[name]
        if out[lead].get("database") is None:
            out[lead].pop("database", None)
    return out


def without_analysis(form: ScheduleForm) -> ScheduleForm:
    """The form of a scenario with no analyze step: its analysis fields set nothing, so they are
    checked as accepted (and left out of what is saved)."""
    return replace(
        form,
        db_profile=form.db_profile or "-",
        database=None,
        scope=["schema"],
        llm_profile=form.llm_profile or "heuristic",
        review_strategy="manual",
    )


@dataclass(frozen=True)
class StepProblem:
    """The core refused a step: which one (0-based), which setting, and its sentence."""

    index: int
    field: str
    message: str


def problem_of(refusal: InvalidInput) -> StepProblem | None:
    """The step and setting an InvalidInput names (`steps[2].format`), if it names one."""
    head, _dot, setting = refusal.field.partition(".")
    if not head.startswith("steps[") or not head.endswith("]"):
        return None
    number = head[len("steps[") : -1]
    if not number.isdigit():
        return None
    return StepProblem(int(number) - 1, setting or "step", refusal.message)


def check_steps(steps: Sequence[dict[str, Any]], skip: int | None) -> StepProblem | None:
    """Each step checked by the core on its own (but `skip`, checked with the form): the first
    refusal, naming the step by its place in the whole list."""
    for index, data in enumerate(steps):
        if index == skip:
            continue
        try:
            parse_steps("steps", [data])
        except InvalidInput as refusal:
            found = problem_of(refusal)
            setting = found.field if found else "step"
            message = refusal.message.replace("steps[1]", f"steps[{index + 1}]", 1)
            return StepProblem(index, setting, message)
    return None
