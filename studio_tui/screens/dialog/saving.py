"""Saving the dialog: a new schedule is created, an edit sends only what changed, and each of the
core's refusals comes back naming the field it belongs to.  Blocking: called from a worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.api import Core
from core.errors import AmxError, InvalidInput, NameTaken, StaleEdit
from core.schedules.spec import build_spec
from core.schedules.views import ScheduleInfo
from studio_tui.screens.dialog.fields import FIELD_WIDGET


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
    return {k: v for k, v in fields.items() if v != getattr(existing, k)}


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
