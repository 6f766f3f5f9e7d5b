"""The zone a schedule written from a shell or a file takes when none is given: UTC, or the one
configured in AMX_DEFAULT_TIMEZONE; the studio's dialog proposes that configured zone too, else
the machine's own."""

from __future__ import annotations

import os

from core.errors import InvalidInput
from core.schedules.triggers import default_zone_name, zone

ZONE_VARIABLE = "AMX_DEFAULT_TIMEZONE"


def configured_zone_name() -> str:
    """AMX_DEFAULT_TIMEZONE when set (an IANA name), else UTC."""
    name = os.environ.get(ZONE_VARIABLE, "").strip()
    if not name:
        return "UTC"
    try:
        return zone(name).key
    except InvalidInput as exc:
        raise InvalidInput(
            "timezone", f"{ZONE_VARIABLE} is set to {name!r}: {exc.message}"
        ) from None


def proposed_zone_name() -> str:
    """The zone the studio's dialog proposes for a new schedule: AMX_DEFAULT_TIMEZONE when it
    names one, else the machine's (the person sees it and may change it)."""
    try:
        if os.environ.get(ZONE_VARIABLE, "").strip():
            return configured_zone_name()
    except InvalidInput:
        pass  # a bad setting is refused where it decides a zone unseen: amx and the API
    return default_zone_name()
