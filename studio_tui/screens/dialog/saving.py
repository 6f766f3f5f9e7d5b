"""Saving the dialog: a new schedule is created, an edit sends only what changed, and each of the
core's refusals comes back naming the field it belongs to.  Blocking: called from a worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.api import Core
from core.errors import AmxError, InvalidInput, NameTaken, StaleEdit
from core.schedules.scenario import parse_steps
from core.schedules.scenario.model import step_data
from core.schedules.spec import ANALYSIS_FIELDS, build_spec
from core.schedules.views import ScheduleInfo
from studio_tui.screens.dialog.fields import FIELD_WIDGET
from studio_tui.screens.dialog.step_form import LEAD_SETTINGS, with_lead


@dataclass(frozen=True)
class Refused:
    """The core refused the save: `field` names where the sentence goes (``form``: no field)."""

    field: str
    message: str


@dataclass(frozen=True)
class Stale:
    """Someone else saved the schedule since the dialog opened."""

    message: str


def patch(existing: ScheduleInfo | None, fields: dict[str, Any]) -> dict[str, Any]:
    """An edit sends only what the person changed; the core keeps the rest."""
    if existing is None:
        return fields
    changed = {k: v for k, v in fields.items() if k != "steps" and v != getattr(existing, k)}
    if "steps" in fields and _steps_changed(existing, fields["steps"]):
        changed["steps"] = fields["steps"]
    return changed


def _steps_changed(existing: ScheduleInfo, steps: list[dict[str, Any]]) -> bool:
    try:
        return parse_steps("steps", steps) != existing.steps
    except InvalidInput:
        return True  # the core says why when it is sent


def opened_steps(existing: ScheduleInfo | None) -> list[dict[str, Any]]:
    """The steps the dialog opens with: the schedule's, or one analyze step for a new one."""
    if existing is None:
        return [{"kind": "analyze"}]
    return [step_data(step) for step in existing.steps]


def scenario_fields(
    existing: ScheduleInfo | None, flat: dict[str, Any], steps: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the dialog saves: the form's fields as they are for a schedule of one analyze step
    (as it was, too), else the steps with the analysis fields set in their first analyze step."""
    single = len(steps) == 1 and steps[0].get("kind") == "analyze"
    was_single = existing is None or len(existing.steps) == 1
    if single and was_single and _only_lead_settings(steps[0]):
        return flat
    rest = {k: v for k, v in flat.items() if k not in ANALYSIS_FIELDS}
    return {**rest, "steps": with_lead(steps, flat)}


def _only_lead_settings(step: dict[str, Any]) -> bool:
    """Whether the step holds nothing the analysis fields do not say (no name, no flags)."""
    return set(step) <= {"kind", *LEAD_SETTINGS}


def first_field(problems: dict[str, str]) -> str:
    """The refused field that comes first in the form, to put the focus on."""
    order = list(FIELD_WIDGET)
    return min(problems, key=lambda f: order.index(f) if f in order else 99)


def save(
    core: Core, existing: ScheduleInfo | None, version: int | None, fields: dict[str, Any]
) -> ScheduleInfo | Refused | Stale:
    """Create the schedule, or apply the edit against the version the dialog opened."""
    try:
        if existing is None:
            return core.schedules.create(build_spec(**fields))
        assert version is not None
        return core.schedules.edit(existing.id, fields, expected_version=version)
    except StaleEdit as exc:
        return Stale(str(exc))
    except NameTaken as exc:
        return Refused("name", str(exc))
    except InvalidInput as exc:
        return Refused(exc.field, str(exc))
    except AmxError as exc:
        return Refused("form", str(exc))
