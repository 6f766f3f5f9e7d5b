"""Triggers: when a schedule fires, and how wall-clock rules meet DST.

Rules (the documented contract):

* ``once`` fires at a naive local wall-clock time in the schedule's zone. A wall time that does
  not exist (inside a spring-forward gap) is refused; an ambiguous one (fall-back) resolves to
  its FIRST occurrence.
* ``cron`` is evaluated on local wall-clock time, then mapped to UTC. A wall time inside a gap
  fires at the first valid instant after the gap; an ambiguous wall time fires once, at its first
  occurrence. Exception, as Vixie cron does for "wildcard" jobs: when the hour field covers every
  hour (``*``), the cron follows real elapsed time, so wall times in the repeated hour fire in both
  occurrences and wall times inside a gap are skipped (they never happen).
* ``interval`` is pure UTC arithmetic from its anchor (``anchor + k * every``), DST-independent.

Fire times are returned as aware UTC datetimes, strictly increasing, without duplicates.
"""

from __future__ import annotations

import bisect
import json
import re
from contextlib import suppress
from dataclasses import MISSING, dataclass
from dataclasses import fields as fields_of
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from croniter import CroniterBadDateError, CroniterError, croniter

from core.errors import InvalidInput
from core.storage.utc import iso_utc

__all__ = [
    "CRON_ALIASES",
    "MAX_INTERVAL_SECONDS",
    "MIN_INTERVAL_SECONDS",
    "CronTrigger",
    "IntervalTrigger",
    "OnceTrigger",
    "Trigger",
    "cron",
    "default_zone_name",
    "describe",
    "dst_note",
    "format_interval",
    "interval",
    "localize",
    "next_fire_time",
    "next_fire_times",
    "once",
    "parse_interval",
    "parse_local_datetime",
    "trigger_from_data",
    "trigger_to_data",
    "validate_once_in_future",
    "zone",
]

MIN_INTERVAL_SECONDS = 60
# Beyond a year an interval is almost certainly a typo, and huge values overflow datetime.
MAX_INTERVAL_SECONDS = 52 * 604800

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

_INTERVAL_UNITS: tuple[tuple[str, int], ...] = (
    ("w", 604800),
    ("d", 86400),
    ("h", 3600),
    ("m", 60),
    ("s", 1),
)
_INTERVAL_PART = re.compile(r"(\d+)\s*([wdhms])")
_INTERVAL_HINT = "write it like 90s, 15m, 2h, 1d, 1w or 1h30m"

_LOCAL_PATTERN = r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?"
_LOCAL_DATETIME = re.compile(rf"^{_LOCAL_PATTERN}$")
_WITH_OFFSET = re.compile(
    rf"^{_LOCAL_PATTERN}\s*(?:z|utc|gmt|(?:utc|gmt)?\s*[+-]\d{{1,2}}(?::?\d{{2}})?)$",
    re.IGNORECASE,
)

# Files that sit in zoneinfo directories but are not IANA zones a person should pick.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})

# How far ahead dst_note looks for transitions that touch a cron or once trigger.
_NOTE_HORIZON = timedelta(days=366)


# ---------------------------------------------------------------------------
# Small helpers


def _fmt_wall(local: datetime) -> str:
    """A naive or aware wall-clock time as 'YYYY-MM-DD HH:MM[:SS]'."""
    text = local.strftime("%Y-%m-%d %H:%M")
    return f"{text}:{local.second:02d}" if local.second else text


def _fmt_clock(local: datetime) -> str:
    text = local.strftime("%H:%M")
    return f"{text}:{local.second:02d}" if local.second else text


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("expected an aware datetime, got a naive one")
    return moment.astimezone(UTC)


def _offset(moment_utc: datetime, tz: ZoneInfo) -> timedelta:
    offset = moment_utc.astimezone(tz).utcoffset()
    assert offset is not None
    return offset


# ---------------------------------------------------------------------------
# Intervals


def format_interval(seconds: int) -> str:
    """The shortest unit form of `seconds`: 90 -> '1m30s', 5400 -> '1h30m', 86400 -> '1d'."""
    if seconds < 0:
        raise ValueError("an interval cannot be negative")
    if seconds == 0:
        return "0s"
    parts: list[str] = []
    rest = seconds
    for unit, size in _INTERVAL_UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _check_interval_seconds(seconds: int) -> int:
    if seconds < MIN_INTERVAL_SECONDS:
        raise InvalidInput(
            "every", f"interval must be at least 1m (60 s); got {format_interval(max(seconds, 0))}."
        )
    if seconds > MAX_INTERVAL_SECONDS:
        raise InvalidInput(
            "every",
            f"interval must be at most {format_interval(MAX_INTERVAL_SECONDS)}; "
            f"got {format_interval(seconds)}.",
        )
    return seconds


def parse_interval(text: str) -> int:
    """Seconds in `text` such as '90s', '15m', '2h', '1d', '1w', '1h30m' or a bare '90'."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        return _check_interval_seconds(int(cleaned))
    total = 0
    position = 0
    last_rank = -1
    ranks = {unit: rank for rank, (unit, _size) in enumerate(_INTERVAL_UNITS)}
    sizes = dict(_INTERVAL_UNITS)
    for match in _INTERVAL_PART.finditer(cleaned):
        gap = cleaned[position : match.start()]
        rank = ranks[match.group(2)]
        # Units must appear once each, largest first ('1h30m', not '30m1h' or '1h1h').
        if gap.strip() or rank <= last_rank:
            break
        total += int(match.group(1)) * sizes[match.group(2)]
        position = match.end()
        last_rank = rank
    else:
        if cleaned and position == len(cleaned):
            return _check_interval_seconds(total)
    raise InvalidInput("every", f"interval '{text.strip()}' is not valid; {_INTERVAL_HINT}.")


# ---------------------------------------------------------------------------
# Local date-times and zones


def parse_local_datetime(text: str) -> datetime:
    """A naive wall-clock datetime from 'YYYY-MM-DD HH:MM[:SS]' (a 'T' separator also works)."""
    cleaned = text.strip()
    match = _LOCAL_DATETIME.match(cleaned)
    if match is None and _WITH_OFFSET.match(cleaned):
        raise InvalidInput(
            "fire_at",
            f"fire-at '{cleaned}' carries a UTC offset; give the local wall-clock time "
            "without an offset and set the zone with --timezone.",
        )
    if match is not None:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            return datetime(year, month, day, hour, minute, second)
        except ValueError:
            pass
    raise InvalidInput(
        "fire_at",
        f"fire-at '{cleaned}' is not a valid date-time; write it as YYYY-MM-DD HH:MM.",
    )


@lru_cache(maxsize=1)
def _known_zones() -> dict[str, str]:
    """IANA names keyed by their lower-case spelling (to suggest the right spelling)."""
    names = available_timezones() - _NOT_ZONES
    return {name.lower(): name for name in names}


@lru_cache(maxsize=256)
def _load_zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an exact IANA zone name such as 'Europe/Paris'; refuses anything else."""
    known = _known_zones()
    # Exact spelling only: callers store the name as given and reload it with ZoneInfo later.
    if known and name not in known.values():
        canonical = known.get(name.strip().lower())
        if canonical is not None:
            raise InvalidInput("timezone", f"unknown timezone '{name}'; write it as {canonical}.")
        raise InvalidInput(
            "timezone", f"unknown timezone '{name}'; use an IANA name such as Europe/Paris or UTC."
        )
    try:
        return _load_zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        raise InvalidInput(
            "timezone", f"unknown timezone '{name}'; use an IANA name such as Europe/Paris or UTC."
        ) from error


def default_zone_name() -> str:
    """The machine's IANA zone name, or 'UTC' when it cannot be told."""
    try:
        from tzlocal import get_localzone_name

        name = get_localzone_name()
    except Exception:  # tzlocal raises a variety of errors on odd system setups
        return "UTC"
    if not name:
        return "UTC"
    try:
        return zone(name).key
    except InvalidInput:
        return "UTC"


# ---------------------------------------------------------------------------
# Wall clock -> UTC


@dataclass(frozen=True)
class _Resolved:
    """How one naive wall time maps onto the UTC timeline in a zone."""

    kind: Literal["normal", "gap", "ambiguous"]
    first: datetime  # the instant (normal), first occurrence (ambiguous), gap end (gap)
    second: datetime  # second occurrence when ambiguous, else equal to `first`


def _transition_in(lo: datetime, hi: datetime, tz: ZoneInfo) -> datetime:
    """The first whole-second UTC instant in (lo, hi] that has the offset of hi."""
    target = _offset(hi, tz)
    lo_s = int(lo.timestamp())
    hi_s = int(hi.timestamp())
    while hi_s - lo_s > 1:
        mid = (lo_s + hi_s) // 2
        if _offset(datetime.fromtimestamp(mid, UTC), tz) == target:
            hi_s = mid
        else:
            lo_s = mid
    return datetime.fromtimestamp(hi_s, UTC)


def _resolve(local: datetime, tz: ZoneInfo) -> _Resolved:
    naive = local.replace(tzinfo=None, fold=0)
    as_fold0 = naive.replace(tzinfo=tz).astimezone(UTC)
    as_fold1 = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    round_trips = as_fold0.astimezone(tz).replace(tzinfo=None) == naive
    if not round_trips:
        # In a gap the two folds straddle the transition; its instant is the gap's end.
        lo, hi = sorted((as_fold0, as_fold1))
        end = _transition_in(lo, hi, tz)
        return _Resolved("gap", end, end)
    if as_fold0 != as_fold1:
        first, second = sorted((as_fold0, as_fold1))
        return _Resolved("ambiguous", first, second)
    return _Resolved("normal", as_fold0, as_fold0)


def _gap_bounds(local: datetime, tz: ZoneInfo) -> tuple[datetime, datetime, datetime]:
    """(wall time where the gap starts, wall time where it ends, UTC instant) for a gap time."""
    resolved = _resolve(local, tz)
    instant = resolved.first
    before = instant - timedelta(seconds=1)
    start = (before.astimezone(tz) + timedelta(seconds=1)).replace(tzinfo=None)
    end = instant.astimezone(tz).replace(tzinfo=None)
    return start, end, instant


def localize(local: datetime, tz: ZoneInfo) -> datetime:
    """Aware UTC instant of a naive wall time; refuses gap times, takes the first of two."""
    if local.tzinfo is not None:
        raise ValueError("localize expects a naive wall-clock datetime")
    resolved = _resolve(local, tz)
    if resolved.kind == "gap":
        start, end, _instant = _gap_bounds(local, tz)
        raise InvalidInput(
            "fire_at",
            f"{_fmt_wall(local)} does not exist in {tz.key}: clocks jump from "
            f"{_fmt_clock(start)} to {_fmt_clock(end)} that day; choose another time.",
        )
    return resolved.first


# ---------------------------------------------------------------------------
# Cron expressions


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
            if not low <= int(number) <= high:
                return f"{name} must be {allowed}"
    return f"the {name} field '{text}' is not valid"


def _normalise_cron(expr: str) -> str:
    """The canonical spelling of a valid 5-field cron or alias; InvalidInput otherwise."""
    cleaned = " ".join(expr.split())
    if not cleaned:
        raise _cron_refusal(cleaned, "it is empty")
    if cleaned.startswith("@"):
        alias = cleaned.lower()
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


# ---------------------------------------------------------------------------
# Models
#
# Plain frozen dataclasses, validated on construction: the daemon reads every stored trigger,
# and keeping them free of pydantic keeps its resident memory small.


@dataclass(frozen=True, kw_only=True)
class OnceTrigger:
    """Fire once at a naive local wall-clock time in the schedule's zone."""

    kind: Literal["once"] = "once"
    fire_at: datetime

    def __post_init__(self) -> None:
        value = self.fire_at
        if not isinstance(value, datetime):
            raise InvalidInput("fire_at", f"fire-at {value!r} is not a date and time; "
                               "write it as YYYY-MM-DD HH:MM.")  # fmt: skip
        if value.tzinfo is not None:
            raise InvalidInput(
                "fire_at",
                f"fire-at '{value.isoformat()}' carries a UTC offset; give the local wall-clock "
                "time without an offset and set the zone with --timezone.",
            )
        object.__setattr__(self, "fire_at", value.replace(microsecond=0, fold=0))


@dataclass(frozen=True, kw_only=True)
class CronTrigger:
    """Fire on a 5-field cron expression (or @daily-style alias) in local wall-clock time."""

    kind: Literal["cron"] = "cron"
    expr: str

    def __post_init__(self) -> None:
        if not isinstance(self.expr, str):
            raise InvalidInput("cron", f"cron expression {self.expr!r} is not text; "
                               f"{_CRON_EXAMPLE}.")  # fmt: skip
        object.__setattr__(self, "expr", _normalise_cron(self.expr))


@dataclass(frozen=True, kw_only=True)
class IntervalTrigger:
    """Fire every `every_seconds`, counted from the UTC `anchor` (anchor + k * every)."""

    kind: Literal["interval"] = "interval"
    every_seconds: int
    anchor: datetime | None = None

    def __post_init__(self) -> None:
        every = self.every_seconds
        if isinstance(every, bool) or not isinstance(every, int):
            raise InvalidInput("every", f"interval {every!r} is not valid; {_INTERVAL_HINT}.")
        _check_interval_seconds(every)
        anchor = self.anchor
        if anchor is None:
            return
        if not isinstance(anchor, datetime) or anchor.tzinfo is None or anchor.utcoffset() is None:
            raise InvalidInput(
                "anchor", "interval anchor must be an aware UTC datetime; got a naive one."
            )
        object.__setattr__(self, "anchor", anchor.astimezone(UTC).replace(microsecond=0))


Trigger = OnceTrigger | CronTrigger | IntervalTrigger
_MODELS: dict[str, type[Trigger]] = {"once": OnceTrigger, "cron": CronTrigger,
                                     "interval": IntervalTrigger}  # fmt: skip


def _malformed(detail: str) -> InvalidInput:
    return InvalidInput(
        "trigger",
        f"trigger is not valid ({detail}); give kind 'once', 'cron' or 'interval' with its fields.",
    )


def _stored_datetime(name: str, value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        with suppress(ValueError):
            return datetime.fromisoformat(value)
    raise _malformed(f"{name}: {value!r} is not an ISO date and time")


def trigger_from_data(data: Any) -> Trigger:
    """A trigger from its stored JSON-able dict (or JSON text, or a trigger); InvalidInput when
    malformed."""
    if isinstance(data, OnceTrigger | CronTrigger | IntervalTrigger):
        return data
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError:
            raise _malformed("not JSON") from None
    if not isinstance(data, dict):
        raise _malformed(f"expected an object, got {type(data).__name__}")
    kind = data.get("kind")
    if kind not in _MODELS:
        raise _malformed(f"kind: {kind!r} is not one of 'once', 'cron', 'interval'")
    model = _MODELS[kind]
    allowed = {f.name for f in fields_of(model)} - {"kind"}
    extra = sorted(set(data) - allowed - {"kind"})
    if extra:
        raise _malformed(f"{extra[0]}: not a field of a {kind} trigger")
    required = [f.name for f in fields_of(model) if f.default is MISSING]
    missing = [name for name in required if name not in data]
    if missing:
        raise _malformed(f"{missing[0]}: field required")
    given = {name: data[name] for name in allowed if name in data}
    for name in ("fire_at", "anchor"):
        if given.get(name) is not None:
            given[name] = _stored_datetime(name, given[name])
    if kind == "cron" and not isinstance(given["expr"], str):
        raise _malformed(f"expr: {given['expr']!r} is not text")
    if kind == "interval" and (
        isinstance(given["every_seconds"], bool) or not isinstance(given["every_seconds"], int)
    ):
        raise _malformed(f"every_seconds: {given['every_seconds']!r} is not a whole number")
    return model(**given)


def trigger_to_data(trigger: Trigger) -> dict[str, Any]:
    """The JSON-able dict stored in the database for `trigger`."""
    if isinstance(trigger, OnceTrigger):
        return {"kind": "once", "fire_at": iso_utc(trigger.fire_at)}
    if isinstance(trigger, CronTrigger):
        return {"kind": "cron", "expr": trigger.expr}
    anchor = None if trigger.anchor is None else iso_utc(trigger.anchor)
    return {"kind": "interval", "every_seconds": trigger.every_seconds, "anchor": anchor}


# ---------------------------------------------------------------------------
# Constructor helpers for front ends


def once(fire_at: str | datetime) -> OnceTrigger:
    """A once trigger from 'YYYY-MM-DD HH:MM' text or a naive datetime."""
    local = parse_local_datetime(fire_at) if isinstance(fire_at, str) else fire_at
    return OnceTrigger(kind="once", fire_at=local)


def cron(expr: str) -> CronTrigger:
    """A cron trigger from a 5-field expression or alias."""
    return CronTrigger(kind="cron", expr=expr)


def interval(every: str | int, anchor: datetime | None = None) -> IntervalTrigger:
    """An interval trigger from text like '15m' or a number of seconds."""
    if isinstance(every, bool) or not isinstance(every, str | int):
        raise InvalidInput("every", f"interval {every!r} is not valid; {_INTERVAL_HINT}.")
    seconds = parse_interval(every) if isinstance(every, str) else _check_interval_seconds(every)
    return IntervalTrigger(kind="interval", every_seconds=seconds, anchor=anchor)


# ---------------------------------------------------------------------------
# Fire times


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
            if instant > after and instant not in seen:
                seen.add(instant)
                bisect.insort(found, instant)
    return found[:n]


def _interval_fire_times(trigger: IntervalTrigger, after: datetime, n: int) -> list[datetime]:
    every = timedelta(seconds=trigger.every_seconds)
    anchor = trigger.anchor if trigger.anchor is not None else after
    k = max((after - anchor) // every + 1, 0)
    first = anchor + k * every
    return [first + i * every for i in range(n)]


def next_fire_times(
    trigger: OnceTrigger | CronTrigger | IntervalTrigger, tz_name: str, after: datetime, n: int
) -> list[datetime]:
    """The next `n` fire times strictly after the aware `after`, as aware UTC datetimes."""
    after_utc = _as_utc(after)
    if n <= 0:
        return []
    if isinstance(trigger, IntervalTrigger):
        return _interval_fire_times(trigger, after_utc, n)
    tz = zone(tz_name)
    if isinstance(trigger, OnceTrigger):
        instant = localize(trigger.fire_at, tz)
        return [instant] if instant > after_utc else []
    return _cron_fire_times(trigger.expr, tz, after_utc, n)


def next_fire_time(
    trigger: OnceTrigger | CronTrigger | IntervalTrigger, tz_name: str, after: datetime
) -> datetime | None:
    """The next fire time strictly after `after`, or None when the trigger is spent."""
    times = next_fire_times(trigger, tz_name, after, 1)
    return times[0] if times else None


def describe(trigger: OnceTrigger | CronTrigger | IntervalTrigger, tz_name: str) -> str:
    """A short rule for tables: 'once', 'cron 0 9 * * 1-5', 'every 15m'."""
    if isinstance(trigger, OnceTrigger):
        return "once"
    if isinstance(trigger, CronTrigger):
        return f"cron {trigger.expr}"
    return f"every {format_interval(trigger.every_seconds)}"


def validate_once_in_future(
    trigger: OnceTrigger | CronTrigger | IntervalTrigger, tz_name: str, now: datetime
) -> None:
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


# ---------------------------------------------------------------------------
# DST notes


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


def dst_note(
    trigger: OnceTrigger | CronTrigger | IntervalTrigger, tz_name: str, after: datetime
) -> str | None:
    """One sentence when a DST change shifts, skips or merges an upcoming fire, else None."""
    after_utc = _as_utc(after)
    if isinstance(trigger, IntervalTrigger):
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
