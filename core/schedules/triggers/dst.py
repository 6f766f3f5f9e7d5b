"""DST notes: one sentence when a clock change shifts, skips or merges an upcoming fire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import CroniterBadDateError, croniter

from core.errors import InvalidInput
from core.schedules.triggers.cron import _cron_spec, _hour_is_wildcard
from core.schedules.triggers.model import AfterTrigger, IntervalTrigger, OnceTrigger, Trigger
from core.schedules.triggers.zones import (
    _as_utc,
    _fmt_clock,
    _fmt_wall,
    _offset,
    _resolve,
    _transition_in,
    localize,
    zone,
)

# How far ahead dst_note looks for transitions that touch a cron or once trigger.
_NOTE_HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class _Transition:
    instant: datetime  # first UTC instant with the new offset
    wall_before: datetime  # naive wall time the clocks show just before (as if not changed)
    wall_after: datetime  # naive wall time the clocks show from the transition on

    @property
    def is_gap(self) -> bool:
        return self.wall_after > self.wall_before


def _transitions(tz: ZoneInfo, start: datetime, end: datetime) -> list[_Transition]:
    step = timedelta(hours=6)
    found: list[_Transition] = []
    lo = start
    while lo < end:
        hi = min(lo + step, end)
        before, after = _offset(lo, tz), _offset(hi, tz)
        if before != after:
            instant = _transition_in(lo, hi, tz)
            naive = instant.replace(tzinfo=None)
            found.append(_Transition(instant, naive + before, naive + after))
        lo = hi
    return found


def _cron_walls_between(expr: str, start: datetime, end: datetime) -> list[datetime]:
    """Cron wall times w with start <= w < end (naive)."""
    walls = croniter(_cron_spec(expr), start - timedelta(seconds=1))
    found: list[datetime] = []
    while len(found) < 10000:
        try:
            wall: datetime = walls.get_next(datetime)
        except (CroniterBadDateError, OverflowError, ValueError):
            break
        if wall >= end:
            break
        found.append(wall)
    return found


def _walls_text(walls: list[datetime]) -> str:
    if len(walls) == 1:
        return _fmt_wall(walls[0])
    return f"{_fmt_wall(walls[0])} to {_fmt_clock(walls[-1])} ({len(walls)} times)"


def _note_for(walls: list[datetime], transition: _Transition, tz: ZoneInfo, wildcard: bool) -> str:
    jump = f"{_fmt_clock(transition.wall_before)} to {_fmt_clock(transition.wall_after)}"
    what = _walls_text(walls)
    single = len(walls) == 1
    if transition.is_gap:
        if wildcard:
            verb = "falls" if single else "fall"
            return (
                f"{what} {verb} in the DST gap in {tz.key} (clocks jump from {jump}); "
                f"{'it is' if single else 'they are'} skipped."
            )
        at = _fmt_clock(transition.wall_after)
        if single:
            return f"{what} falls in the DST gap in {tz.key}; it fires at {at} instead."
        return f"{what} fall in the DST gap in {tz.key}; they fire once at {at} instead."
    first_name = walls[0].replace(tzinfo=tz).tzname()
    second_name = walls[0].replace(tzinfo=tz, fold=1).tzname()
    verb = "occurs" if single else "occur"
    if wildcard:
        return (
            f"{what} {verb} twice in {tz.key} (clocks go back from {jump}); "
            f"{'it fires' if single else 'they fire'} in both ({first_name} and {second_name})."
        )
    return (
        f"{what} {verb} twice in {tz.key} (clocks go back from {jump}); "
        f"{'it fires' if single else 'each fires'} once, at the first occurrence ({first_name})."
    )


def dst_note(trigger: Trigger, tz_name: str, after: datetime) -> str | None:
    """One sentence when a DST change shifts, skips or merges an upcoming fire, else None."""
    after_utc = _as_utc(after)
    if isinstance(trigger, IntervalTrigger | AfterTrigger):
        return None
    tz = zone(tz_name)
    if isinstance(trigger, OnceTrigger):
        try:
            instant = localize(trigger.fire_at, tz)
        except InvalidInput as refusal:
            return refusal.message
        if _resolve(trigger.fire_at, tz).kind != "ambiguous" or instant <= after_utc:
            return None
        first = trigger.fire_at.replace(tzinfo=tz)
        return (
            f"{_fmt_wall(trigger.fire_at)} occurs twice in {tz.key}; it fires once, at the first "
            f"occurrence ({first.tzname()}, {_fmt_clock(instant)} UTC)."
        )
    wildcard = _hour_is_wildcard(trigger.expr)
    for transition in _transitions(tz, after_utc, after_utc + _NOTE_HORIZON):
        low, high = sorted((transition.wall_before, transition.wall_after))
        walls = _cron_walls_between(trigger.expr, low, high)
        if not transition.is_gap:
            walls = [w for w in walls if _resolve(w, tz).first > after_utc]
        if walls:
            return _note_for(walls, transition, tz, wildcard)
    return None
