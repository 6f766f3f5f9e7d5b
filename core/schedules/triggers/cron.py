"""Cron expressions: validation with a reason per field, and their fire times on local wall
clocks."""

from __future__ import annotations

import bisect
import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, CroniterError, croniter

from core.errors import InvalidInput
from core.schedules.rule_text import cron_spelling
from core.schedules.triggers.zones import LAST_YEAR, LATEST, _resolve

CRON_ALIASES: dict[str, str] = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_CRON_EXAMPLE = "write five fields like '0 9 * * 1-5'"
_CRON_FIELDS: tuple[tuple[str, int, int, str], ...] = (
    ("minute", 0, 59, "0-59"),
    ("hour", 0, 23, "0-23"),
    ("day-of-month", 1, 31, "1-31"),
    ("month", 1, 12, "1-12 or jan-dec"),
    ("day-of-week", 0, 7, "0-7 or sun-sat"),
)
# croniter's hashed (H) and random (R) values are not reproducible schedules.
_HASH_OR_RANDOM = re.compile(r"^[hr](\(\d+-\d+\))?(/\d+)?$", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")


def _cron_refusal(expr: str, reason: str) -> InvalidInput:
    return InvalidInput("cron", f"cron expression '{expr}' is invalid: {reason}; {_CRON_EXAMPLE}.")


def _expands(expr: str) -> bool:
    try:
        croniter.expand(expr, strict=True)
    except (CroniterError, ValueError, TypeError, KeyError, IndexError):
        return False
    return True


def _field_reason(index: int, text: str) -> str | None:
    """Why one field is bad, or None when it is fine on its own."""
    name, low, high, allowed = _CRON_FIELDS[index]
    for item in text.split(","):
        if _HASH_OR_RANDOM.match(item):
            return f"{name} '{item}' is a hashed or random value, which is not supported"
    template = ["*"] * 5
    template[index] = text
    if _expands(" ".join(template)):
        return None
    for item in text.split(","):
        values = item.split("/", 1)[0]
        for number in _NUMBER.findall(values):
            if len(number.lstrip("0")) > 2 or not low <= int(number) <= high:
                return f"{name} must be {allowed}"
    return f"the {name} field '{text}' is not valid"


def _normalise_cron(expr: str) -> str:
    """The canonical spelling of a valid 5-field cron or alias; InvalidInput otherwise."""
    cleaned = " ".join(expr.split())
    if not cleaned:
        raise _cron_refusal(cleaned, "it is empty")
    if cleaned.startswith("@"):
        alias = cron_spelling(cleaned)
        if alias not in CRON_ALIASES:
            supported = ", ".join(CRON_ALIASES)
            raise _cron_refusal(cleaned, f"{cleaned} is not supported (only {supported})")
        return alias
    fields = cleaned.split(" ")
    if len(fields) != 5:
        extra = " and seconds are not supported" if len(fields) == 6 else ""
        raise _cron_refusal(cleaned, f"it has {len(fields)} fields{extra}")
    for index, text in enumerate(fields):
        reason = _field_reason(index, text)
        if reason is not None:
            raise _cron_refusal(cleaned, reason)
    if not _expands(cleaned):
        raise _cron_refusal(cleaned, "it never matches a real date")
    return cleaned


def _cron_spec(expr: str) -> str:
    """The 5-field form croniter runs (aliases expanded)."""
    return CRON_ALIASES.get(expr, expr)


@lru_cache(maxsize=512)
def _hour_is_wildcard(expr: str) -> bool:
    expanded, _nth = croniter.expand(_cron_spec(expr))
    return expanded[1] == ["*"]


def _cron_fire_times(expr: str, tz: ZoneInfo, after: datetime, n: int) -> list[datetime]:
    wildcard = _hour_is_wildcard(expr)
    local_after = after.astimezone(tz)
    start = local_after.replace(tzinfo=None, fold=0)
    if wildcard and local_after.fold == 0:
        resolved = _resolve(start, tz)
        if resolved.kind == "ambiguous":
            # Earlier wall times of the repeated hour still have their second occurrence ahead.
            start -= resolved.second - resolved.first
    walls = croniter(_cron_spec(expr), start)
    found: list[datetime] = []
    seen: set[datetime] = set()
    while True:
        try:
            wall: datetime = walls.get_next(datetime)
        except (CroniterBadDateError, OverflowError, ValueError):
            break
        if wall.year > LAST_YEAR:
            break
        resolved = _resolve(wall, tz)
        # Instants of later wall times are never earlier than this one's first instant.
        if len(found) >= n and resolved.first >= found[n - 1]:
            break
        if resolved.kind == "gap":
            candidates = [] if wildcard else [resolved.first]
        elif resolved.kind == "ambiguous" and wildcard:
            candidates = [resolved.first, resolved.second]
        else:
            candidates = [resolved.first]
        for instant in candidates:
            if after < instant <= LATEST and instant not in seen:
                seen.add(instant)
                bisect.insort(found, instant)
    return found[:n]
