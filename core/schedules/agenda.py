"""The agenda: every fire of the coming days across all schedules, grouped by the viewer's day,
with DST notes and clashes marked. A pure function over what the queue holds.

Rules (the documented contract):

* Window: from `now` to the viewer's local midnight that ends the `days`-th calendar day,
  today included (days=7 on a Saturday at 09:00 covers Saturday 09:00 to Friday 24:00).
* Fires are the daemon's own: a Pending or Paused schedule fires first at its stored
  `next_fire_at` (which may be a retry or a missed run fired now), then at `next_fire_times` of its
  trigger after that; a Running one at its trigger's fire times after `now`. Schedules in other
  states never fire on their own and are left out. Paused fires are listed, marked paused, and
  take no part in clashes: they fire only if resumed.
* Dense schedules: when one schedule fires more than DENSE_PER_DAY times in one viewer day, that
  day's fires are one line: first and last time and how many ("every 1m, 1,440 fires").
* Clash: two runs of different schedules on the same DB profile whose expected windows overlap.
  A run's window starts at its fire time and lasts its schedule's typical run length (the
  median duration of its latest finished runs), at least one minute, so fires in the same
  minute always clash. Paused fires do not clash.
* After: a schedule that runs after another's success has no time of its own; each line of its
  upstream is followed by a line for it, at the upstream's time and marked `after` (and for
  a chain, by one for each schedule further down it). It runs only if that fire succeeds; it
  is marked paused when it or its upstream is paused, and takes no part in clashes.
* DST: a fire is tagged when a clock change in its schedule's zone moved it (a cron wall time in
  a gap fires when the gap ends), or the wall time it fires at happens twice (it fires at the
  first occurrence only, or, for an every-hour cron, in both). The schedule also gets the core's
  one-sentence `dst_note`. A day on which the viewer's own clocks change says so.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from core.choices import DEFAULT_DAYS, MAX_DAYS
from core.errors import InvalidInput
from core.schedules.triggers import Trigger, describe, dst_note, next_fire_times, zone
from core.schedules.triggers.cron import _hour_is_wildcard
from core.schedules.triggers.dst import _cron_walls_between, _Transition, _transitions
from core.schedules.triggers.model import AfterTrigger, CronTrigger, OnceTrigger
from core.schedules.triggers.zones import _as_utc, _fmt_clock, _resolve

# More fires than this for one schedule in one viewer day are shown as one line.
DENSE_PER_DAY = 6
# A run without history is expected to take this long (and fires in one minute always clash).
MIN_RUN = timedelta(minutes=1)
# States whose schedules fire on their own (Paused ones only once resumed).
FIRING = frozenset({"pending", "running", "paused"})
_FIRST_BATCH, _LAST_BATCH = 8, 1024


@dataclass(frozen=True, slots=True)
class AgendaSource:
    """What the agenda needs of one schedule."""

    id: int
    name: str
    status: str
    trigger: Trigger
    timezone: str
    db_profile: str
    next_fire_at: datetime | None
    kind: str = "analyze"
    typical_run: timedelta | None = None


@dataclass(frozen=True, slots=True)
class AgendaLine:
    """One fire, or a dense schedule's fires of one day (`count` > 1, `last_at` the last)."""

    at: datetime
    schedule_id: int
    name: str
    db_profile: str
    kind: str
    rule: str
    timezone: str
    paused: bool = False
    count: int = 1
    last_at: datetime | None = None
    dst: str | None = None
    clashes_with: tuple[int, ...] = ()
    # The upstream whose success runs this schedule: the line stands for those runs, at no set
    # time (`at` and `last_at` are the upstream's).
    after: int | None = None


@dataclass(frozen=True, slots=True)
class AgendaDay:
    """The lines of one day in the viewer's zone, in fire order; `note` when its clocks change."""

    day: date
    lines: tuple[AgendaLine, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DstNote:
    """A schedule's DST sentence, for a clock change inside the window."""

    schedule_id: int
    name: str
    text: str


@dataclass(frozen=True)
class Agenda:
    """The fires from `start` to `end`, grouped by the viewer's day (days without fires
    included, so the week reads as a calendar)."""

    zone: str
    start: datetime
    end: datetime
    days: tuple[AgendaDay, ...]
    dst_notes: tuple[DstNote, ...] = ()
    fires: int = 0
    clashes: int = 0
    paused_fires: int = 0
    names: Mapping[int, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing fires in the window."""
        return self.fires == 0 and self.paused_fires == 0


def check_days(days: int) -> int:
    """`days` when it is 1 to MAX_DAYS, else InvalidInput naming the field."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", f"days must be a whole number from 1 to {MAX_DAYS}; got {days}.")
    return days


def window(now: datetime, viewer: ZoneInfo, days: int) -> tuple[datetime, datetime]:
    """(now, the UTC instant of the viewer's midnight that ends the `days`-th day)."""
    start = _as_utc(now)
    last = start.astimezone(viewer).date() + timedelta(days=days)
    return start, _resolve(datetime.combine(last, time()), viewer).first


_Walked = dict[tuple[Trigger, str, datetime], tuple[datetime, ...]]


def fires_of(
    source: AgendaSource, start: datetime, end: datetime, walked: _Walked | None = None
) -> list[datetime]:
    """The UTC fire times of one schedule in [start, end), as the daemon would fire them;
    `walked` keeps each distinct rule's walk for the next schedule that shares it."""
    if source.status not in FIRING:
        return []
    found: list[datetime] = []
    after = start
    if source.status != "running" and source.next_fire_at is not None:
        first = _as_utc(source.next_fire_at)
        if first >= end:
            return []
        if first >= start:
            found.append(first)
        after = max(first, start)
        if isinstance(source.trigger, OnceTrigger):
            return found
    elif isinstance(source.trigger, OnceTrigger):
        return []
    # Schedules made from one template share their rule and zone, hence their fire times: each
    # distinct (rule, zone, start) is walked once per agenda.
    key = (source.trigger, source.timezone, after)
    times = walked.get(key) if walked is not None else None
    if times is None:
        times = _trigger_fires(source.trigger, source.timezone, after, end)
        if walked is not None:
            walked[key] = times
    found.extend(times)
    return found


def _trigger_fires(
    trigger: Trigger, tz_name: str, after: datetime, end: datetime
) -> tuple[datetime, ...]:
    """The trigger's fire times strictly after `after` and before `end`, in batches."""
    found: list[datetime] = []
    batch = _FIRST_BATCH
    while True:
        times = next_fire_times(trigger, tz_name, after, batch)
        for moment in times:
            if moment >= end:
                return tuple(found)
            found.append(moment)
        if len(times) < batch:
            return tuple(found)
        after = times[-1]
        batch = min(batch * 2, _LAST_BATCH)


@lru_cache(maxsize=512)
def _zone_transitions(tz_name: str, start: datetime, end: datetime) -> tuple[_Transition, ...]:
    return tuple(_transitions(zone(tz_name), start, end))


def _dst_tag(source: AgendaSource, at: datetime, changes: Sequence[_Transition]) -> str | None:
    """A short tag when a clock change in the schedule's zone moved or doubles this fire."""
    trigger = source.trigger
    if not isinstance(trigger, CronTrigger | OnceTrigger):
        return None
    if not any(abs(at - t.instant) <= timedelta(hours=3) for t in changes):
        return None
    tz = zone(source.timezone)
    local = at.astimezone(tz)
    wildcard = isinstance(trigger, CronTrigger) and _hour_is_wildcard(trigger.expr)
    for change in changes:
        if change.is_gap and at == change.instant and isinstance(trigger, CronTrigger):
            walls = _cron_walls_between(trigger.expr, change.wall_before, change.wall_after)
            if walls and not wildcard:
                return f"moved from {_fmt_clock(walls[0])} (clocks jump forward)"
    if _resolve(local.replace(tzinfo=None), tz).kind != "ambiguous":
        return None
    clock = f"{_fmt_clock(local)} {local.tzname()}"
    if wildcard:
        return f"{clock}: {'second' if local.fold else 'first'} of two (clocks go back)"
    return f"{clock}: first of two, not repeated (clocks go back)"


def _skips_in_gap(source: AgendaSource, changes: Sequence[_Transition]) -> bool:
    trigger = source.trigger
    if not isinstance(trigger, CronTrigger) or not _hour_is_wildcard(trigger.expr):
        return False
    return any(
        c.is_gap and _cron_walls_between(trigger.expr, c.wall_before, c.wall_after) for c in changes
    )


def _viewer_note(viewer: ZoneInfo, day_start: datetime, day_end: datetime) -> str | None:
    for change in _transitions(viewer, day_start, day_end):
        before = (change.instant - timedelta(seconds=1)).astimezone(viewer).tzname()
        after = change.instant.astimezone(viewer).tzname()
        way = "forward" if change.is_gap else "back"
        return (
            f"clocks go {way} here: {_fmt_clock(change.wall_before)} becomes "
            f"{_fmt_clock(change.wall_after)} ({before} to {after})"
        )
    return None


@dataclass
class _Fire:
    at: datetime
    source: AgendaSource
    clashes: set[int] = field(default_factory=set)


def _mark_clashes(fires: Iterable[_Fire]) -> None:
    """Mark every pair of fires of different schedules on one profile whose windows overlap."""
    by_profile: dict[str, list[_Fire]] = defaultdict(list)
    for fire in fires:
        by_profile[fire.source.db_profile].append(fire)
    for group in by_profile.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda f: f.at)
        open_runs: list[tuple[datetime, int, _Fire]] = []  # (end, tie-break, fire)
        for n, fire in enumerate(group):
            while open_runs and open_runs[0][0] <= fire.at:
                heapq.heappop(open_runs)
            for _end, _n, other in open_runs:
                if other.source.id != fire.source.id:
                    other.clashes.add(fire.source.id)
                    fire.clashes.add(other.source.id)
            length = max(fire.source.typical_run or MIN_RUN, MIN_RUN)
            heapq.heappush(open_runs, (fire.at + length, n, fire))


def _lines_of(
    fires: list[_Fire], rule: str, paused: bool, tags: Mapping[datetime, str]
) -> list[AgendaLine]:
    source = fires[0].source
    base = AgendaLine(
        at=fires[0].at,
        schedule_id=source.id,
        name=source.name,
        db_profile=source.db_profile,
        kind=source.kind,
        rule=rule,
        timezone=source.timezone,
        paused=paused,
    )
    if len(fires) > DENSE_PER_DAY:
        clashes: set[int] = set().union(*(f.clashes for f in fires))
        tag = next((tags[f.at] for f in fires if f.at in tags), None)
        return [
            replace(
                base,
                count=len(fires),
                last_at=fires[-1].at,
                dst=tag,
                clashes_with=tuple(sorted(clashes)),
            )
        ]
    return [
        replace(base, at=f.at, dst=tags.get(f.at), clashes_with=tuple(sorted(f.clashes)))
        for f in fires
    ]


def build_agenda(
    sources: Iterable[AgendaSource], viewer_zone: str, now: datetime, days: int = DEFAULT_DAYS
) -> Agenda:
    """The agenda of `sources` from `now` over `days` calendar days in `viewer_zone`."""
    viewer = zone(viewer_zone)
    start, end = window(now, viewer, check_days(days))
    sources = list(sources)
    followers = _followers(sources)
    active: list[_Fire] = []
    paused: list[_Fire] = []
    notes: list[DstNote] = []
    tags: dict[int, dict[datetime, str]] = {}
    names: dict[int, str] = {}
    listed: list[AgendaSource] = []
    walked: _Walked = {}
    for source in sources:
        times = fires_of(source, start, end, walked)
        changes: tuple[_Transition, ...] = ()
        if isinstance(source.trigger, CronTrigger | OnceTrigger):
            changes = _zone_transitions(source.timezone, start, end)
        if not times and not (changes and _skips_in_gap(source, changes)):
            continue
        listed.append(source)
        names[source.id] = source.name
        target = paused if source.status == "paused" else active
        target.extend(_Fire(at, source) for at in times)
        if changes:
            own = {at: tag for at in times if (tag := _dst_tag(source, at, changes))}
            if own or _skips_in_gap(source, changes):
                tags[source.id] = own
                sentence = dst_note(source.trigger, source.timezone, start)
                if sentence:
                    notes.append(DstNote(source.id, source.name, sentence))
    _mark_clashes(active)
    per_day: dict[tuple[date, int], list[_Fire]] = defaultdict(list)
    for fire in (*active, *paused):
        per_day[(fire.at.astimezone(viewer).date(), fire.source.id)].append(fire)
    rules = {s.id: describe(s.trigger, s.timezone) for s in listed}
    lines: dict[date, list[AgendaLine]] = defaultdict(list)
    for (day, schedule_id), group in per_day.items():
        group.sort(key=lambda f: f.at)
        is_paused = group[0].source.status == "paused"
        lines[day] += _lines_of(group, rules[schedule_id], is_paused, tags.get(schedule_id, {}))
    days_out: list[AgendaDay] = []
    day = start.astimezone(viewer).date()
    last = end.astimezone(viewer).date()
    while day < last:
        day_start = max(start, _resolve(datetime.combine(day, time()), viewer).first)
        day_end = _resolve(datetime.combine(day + timedelta(days=1), time()), viewer).first
        ordered = sorted(lines.get(day, []), key=lambda x: (x.at, x.name, x.schedule_id))
        followed = [
            found for line in ordered for found in (line, *_followed(line, followers, names))
        ]
        days_out.append(AgendaDay(day, tuple(followed), _viewer_note(viewer, day_start, day_end)))
        day += timedelta(days=1)
    return Agenda(
        zone=viewer.key,
        start=start,
        end=end,
        days=tuple(days_out),
        dst_notes=tuple(sorted(notes, key=lambda n: (n.name, n.schedule_id))),
        fires=len(active),
        clashes=sum(1 for f in active if f.clashes),
        paused_fires=len(paused),
        names=names,
    )


def _followers(sources: Iterable[AgendaSource]) -> dict[int, list[AgendaSource]]:
    """The schedules that may run after each upstream's success, by the upstream's id, each
    upstream's by name. Each has one upstream, so from a timed fire they form a tree."""
    found: dict[int, list[AgendaSource]] = defaultdict(list)
    for source in sorted(sources, key=lambda s: (s.name, s.id)):
        upstream = source.trigger.upstream_id if isinstance(source.trigger, AfterTrigger) else None
        if upstream is not None and source.status in FIRING:
            found[upstream].append(source)
    return found


def _followed(
    line: AgendaLine, followers: Mapping[int, Sequence[AgendaSource]], names: dict[int, str]
) -> list[AgendaLine]:
    """The lines of what runs after `line`'s schedule succeeds, each followed by its own;
    their names go into `names`."""
    found: list[AgendaLine] = []
    for source in followers.get(line.schedule_id, ()):
        names[source.id] = source.name
        follower = AgendaLine(
            at=line.at,
            schedule_id=source.id,
            name=source.name,
            db_profile=source.db_profile,
            kind=source.kind,
            rule=describe(source.trigger, source.timezone),
            timezone=source.timezone,
            paused=line.paused or source.status == "paused",
            count=line.count,
            last_at=line.last_at,
            after=line.schedule_id,
        )
        found += [follower, *_followed(follower, followers, names)]
    return found


def local_clock(at: datetime, viewer: ZoneInfo) -> str:
    """'HH:MM' in the viewer's zone, with the zone's abbreviation when that wall time happens
    twice that day ('01:30 CEST', '01:30 CET')."""
    local = at.astimezone(viewer)
    if _resolve(local.replace(tzinfo=None), viewer).kind == "ambiguous":
        return f"{_fmt_clock(local)} {local.tzname()}"
    return _fmt_clock(local)
