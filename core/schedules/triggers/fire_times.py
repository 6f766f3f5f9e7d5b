"""Fire times: the next ones after a moment, as aware UTC datetimes, strictly increasing."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.errors import InvalidInput
from core.schedules.rule_text import ONCE_RULE, cron_rule, interval_rule
from core.schedules.triggers.cron import _cron_fire_times
from core.schedules.triggers.describe import describe_after
from core.schedules.triggers.model import (
    AfterTrigger,
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    Trigger,
)
from core.schedules.triggers.zones import EARLIEST, LATEST, _as_utc, _fmt_wall, localize, zone


def _interval_fire_times(trigger: IntervalTrigger, after: datetime, n: int) -> list[datetime]:
    every = timedelta(seconds=trigger.every_seconds)
    anchor = trigger.anchor if trigger.anchor is not None else after
    k = max((after - anchor) // every + 1, 0)
    found: list[datetime] = []
    moment = anchor + k * every
    while len(found) < n and moment <= LATEST:
        found.append(moment)
        moment += every
    return found


def next_fire_times(trigger: Trigger, tz_name: str, after: datetime, n: int) -> list[datetime]:
    """The next `n` fire times strictly after the aware `after`, as aware UTC datetimes; only
    those within the supported calendar (zones.EARLIEST to zones.LATEST). An after trigger has
    none: it fires when its upstream succeeds."""
    if isinstance(trigger, AfterTrigger):
        return []
    after_utc = max(_as_utc(after), EARLIEST)
    if n <= 0 or after_utc >= LATEST:
        return []
    if isinstance(trigger, IntervalTrigger):
        return _interval_fire_times(trigger, after_utc, n)
    tz = zone(tz_name)
    if isinstance(trigger, OnceTrigger):
        instant = localize(trigger.fire_at, tz)
        return [instant] if instant > after_utc else []
    return _cron_fire_times(trigger.expr, tz, after_utc, n)


def next_fire_time(trigger: Trigger, tz_name: str, after: datetime) -> datetime | None:
    """The next fire time strictly after `after`, or None when the trigger is spent."""
    times = next_fire_times(trigger, tz_name, after, 1)
    return times[0] if times else None


def describe(trigger: Trigger, tz_name: str) -> str:
    """A short rule for tables: 'once', 'cron 0 9 * * 1-5', 'every 15m', 'after «nightly»
    succeeds'."""
    if isinstance(trigger, OnceTrigger):
        return ONCE_RULE
    if isinstance(trigger, AfterTrigger):
        return describe_after(trigger)
    if isinstance(trigger, CronTrigger):
        return cron_rule(trigger.expr)
    return interval_rule(trigger.every_seconds)


def kept_once(
    stored: Trigger, stored_zone: str, trigger: Trigger, tz_name: str, now: datetime
) -> bool:
    """Whether an edit leaves a once trigger whose moment has passed as it was: the same
    fire-at in the same zone."""
    if not isinstance(stored, OnceTrigger) or trigger != stored or tz_name != stored_zone:
        return False
    return localize(stored.fire_at, zone(stored_zone)) <= _as_utc(now)


def validate_once_in_future(trigger: Trigger, tz_name: str, now: datetime) -> None:
    """Refuse a once trigger whose fire-at is not after `now` (or does not exist)."""
    if not isinstance(trigger, OnceTrigger):
        return
    tz = zone(tz_name)
    instant = localize(trigger.fire_at, tz)
    now_utc = _as_utc(now)
    if instant <= now_utc:
        now_local = now_utc.astimezone(tz)
        raise InvalidInput(
            "fire_at",
            f"fire-at {_fmt_wall(trigger.fire_at)} {tz.key} is in the past "
            f"(now {_fmt_wall(now_local)} {tz.key}); choose a later time.",
        )
