"""Zones and wall clocks: IANA names, local date-times, and mapping a wall time onto UTC
(gap times refused, ambiguous ones taken at their first occurrence)."""

from __future__ import annotations

import os
import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from core.errors import InvalidInput

_LOCAL_PATTERN = r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?"
_LOCAL_DATETIME = re.compile(rf"^{_LOCAL_PATTERN}$")
_WITH_OFFSET = re.compile(
    rf"^{_LOCAL_PATTERN}\s*(?:z|utc|gmt|(?:utc|gmt)?\s*[+-]\d{{1,2}}(?::?\d{{2}})?)$",
    re.IGNORECASE,
)

# The calendar fire times live in: a year of headroom inside datetime's years 1 to 9999, so a
# zone's offset, a misfire grace or an interval added to a fire time never overflows.
FIRST_YEAR, LAST_YEAR = 1900, 9998
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(LAST_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC)

# Files that sit in zoneinfo directories but are not IANA zones a person should pick.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


def _fmt_wall(local: datetime) -> str:
    """A naive or aware wall-clock time as 'YYYY-MM-DD HH:MM[:SS]'."""
    text = f"{local.year:04d}-{local:%m-%d %H:%M}"
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


def in_calendar(moment: datetime, field: str, what: str) -> datetime:
    """`moment` (naive wall time or aware instant) when it lies in the supported years, else
    InvalidInput for `field`."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidInput(
            field,
            f"{what} {_fmt_wall(moment)} is outside the supported calendar; choose a time in the "
            f"years {FIRST_YEAR} to {LAST_YEAR}.",
        )
    return moment


def parse_local_datetime(
    text: str, *, field: str = "fire_at", what: str = "fire-at", also: str = ""
) -> datetime:
    """A naive wall-clock datetime from 'YYYY-MM-DD HH:MM[:SS]' (a 'T' separator also works),
    within the supported calendar; `field` and `what` name the input in a refusal, which
    names `also` (other forms the caller reads) beside the date-time's own."""
    cleaned = text.strip()
    match = _LOCAL_DATETIME.match(cleaned)
    if match is None and _WITH_OFFSET.match(cleaned):
        raise InvalidInput(
            field,
            f"{what} {cleaned!r} carries a UTC offset; write the local wall-clock time "
            "without one and set the schedule's timezone instead.",
        )
    if match is not None and cleaned.isascii():
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            local = datetime(year, month, day, hour, minute, second)
        except ValueError:
            pass
        else:
            return in_calendar(local, field, what)
    raise InvalidInput(
        field,
        f"{what} {cleaned!r} is not a valid date-time; write it as YYYY-MM-DD HH:MM{also}.",
    )


@lru_cache(maxsize=1)
def _known_zones() -> dict[str, str]:
    """IANA names keyed by their lower-case spelling (to suggest the right spelling)."""
    names = available_timezones() - _NOT_ZONES
    return {name.lower(): name for name in names}


@lru_cache(maxsize=256)
def _load_zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _is_zone_file(name: str) -> bool:
    """Whether `name` is spelt exactly as a zone file of the system's zone database: the same
    answer as looking it up in `available_timezones()` for a name it holds, found by reading the
    few folders on its path instead of every file of the database."""
    parts = name.split("/")
    if name in _NOT_ZONES or parts[0] in ("posix", "right") or {"", ".", ".."} & set(parts):
        return False
    for root in zoneinfo.TZPATH:
        folder = root
        for part in parts:
            try:
                if part not in os.listdir(folder):
                    break
            except OSError:
                break
            folder = os.path.join(folder, part)
        else:
            try:
                with open(folder, "rb") as file:
                    return file.read(4) == b"TZif"
            except OSError:
                return False
    return False


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an exact IANA zone name such as 'Europe/Paris'; refuses anything else."""
    if _is_zone_file(name):
        return _load_zone(name)
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
