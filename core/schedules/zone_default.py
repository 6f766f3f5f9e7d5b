"""The zone a schedule written from a shell or a file takes when none is given: UTC, or the one
configured in AMX_DEFAULT_TIMEZONE (the studio's dialog proposes the machine's own instead)."""

from __future__ import annotations

import os

from core.errors import InvalidInput
from core.schedules.triggers import zone

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
