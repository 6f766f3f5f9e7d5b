"""Triggers as people type them: the one place where a kind and a text become a trigger."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal

from core.errors import InvalidInput
from core.schedules.triggers.intervals import interval_seconds
from core.schedules.triggers.model import Trigger, after, cron, interval, once
from core.schedules.triggers.zones import LAST_YEAR, in_calendar, parse_local_datetime, zone

TriggerKind = Literal["once", "cron", "interval"]
TRIGGER_KINDS: tuple[TriggerKind, ...] = ("once", "cron", "interval")

# The shortcuts parse_fire_at reads, as a refusal names them.
SHORTCUTS = "+30m, +1h, tomorrow 09:00 or today 18:30"
_DAY = re.compile(r"^(today|tomorrow)(?:\s+(\d{1,2}):(\d{2}))?$", re.IGNORECASE)


def parse_fire_at(text: str, tz_name: str, now: datetime) -> datetime:
    """A naive local wall time in `tz_name` from `2026-12-01 09:00`, `+1h`, `+30m`,
    `tomorrow 09:00` or `today 18:30` (shortcuts count from `now`)."""
    text = " ".join(text.split())
    local_now = now.astimezone(zone(tz_name)).replace(tzinfo=None, microsecond=0)
    if text.startswith("+"):
        beyond = InvalidInput(
            "fire_at",
            f"fire-at {text!r} reaches beyond the supported calendar; choose a time before the "
            f"end of {LAST_YEAR}.",
        )
        try:
            seconds = interval_seconds(text[1:])
        except InvalidInput:  # more digits than any interval needs
            raise beyond from None
        if seconds is None:
            raise InvalidInput(
                "fire_at", f"fire-at {text!r} is not a shortcut I know; write +30m, +1h or +2d."
            )
        try:
            reached = local_now + timedelta(seconds=seconds)
        except OverflowError:
            raise beyond from None
        # A shortcut lands on the whole minute it reaches.
        return in_calendar(reached.replace(second=0), "fire_at", "fire-at")
    day = _DAY.match(text)
    if day:
        date = local_now.date() + timedelta(days=1 if day[1].lower() == "tomorrow" else 0)
        hour, minute = (int(day[2]), int(day[3])) if day[2] else (9, 0)
        if hour > 23 or minute > 59:
            raise InvalidInput("fire_at", f"fire-at {text!r} has no such time of day; use HH:MM.")
        return datetime(date.year, date.month, date.day, hour, minute)
    return parse_local_datetime(text, also=f", or a shortcut: {SHORTCUTS}")


def parse_start(text: str, tz_name: str) -> datetime:
    """The aware moment a preview starts from: ISO 8601 with an offset or Z, or a local
    `YYYY-MM-DD HH:MM` in `tz_name`; within the supported calendar."""
    cleaned = text.strip()
    try:
        parsed = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        parsed = parse_local_datetime(cleaned, field="start", what="start time")
    in_calendar(parsed, "start", "start time")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone(tz_name))


def parse_trigger(kind: str, text: str, timezone: str, now: datetime) -> Trigger:
    """The trigger a person typed: `once` takes a fire-at time or a shortcut (`+1h`,
    `tomorrow 09:00`) in `timezone`, `cron` an expression, `interval` a length (`15m`),
    `after` the name of the schedule it runs after."""
    if kind == "cron":
        return cron(text)
    if kind == "interval":
        return interval(text)
    if kind == "once":
        return once(parse_fire_at(text, timezone, now))
    if kind == "after":
        return after(text)
    raise InvalidInput(
        "trigger", f"trigger kind {kind!r} is unknown; use once, cron, interval or after."
    )
