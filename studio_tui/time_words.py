"""Times as people read them on the Schedules page: `in 3 m`, `in 2 m 52 s`, `failed 3 m ago`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

# Below this many seconds the status bar counts down in minutes and seconds.
PRECISE_BELOW_S = 600


def _coarse(seconds: int) -> str:
    # One unit, rounded to the nearest: 2 m 52 s is "3 m", 4 h 20 m is "4 h".
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3570:
        return f"{(seconds + 30) // 60} m"
    if seconds < 86400 - 1800:
        return f"{(seconds + 1800) // 3600} h"
    return f"{(seconds + 43200) // 86400} d"


def _precise(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} m" if minutes else f"{hours} h"
    if minutes and seconds < PRECISE_BELOW_S:
        return f"{minutes} m {secs} s" if secs else f"{minutes} m"
    if minutes:
        return f"{minutes + (1 if secs >= 30 else 0)} m"
    return f"{secs} s"


def relative(at: datetime, now: datetime, *, precise: bool = False) -> str:
    """`in 3 m` / `5 h ago`; `precise` keeps two units (`in 2 m 52 s`, `in 4 h 13 m`)."""
    seconds = round((at - now).total_seconds())
    words = (_precise if precise else _coarse)(abs(seconds))
    return f"in {words}" if seconds >= 0 else f"{words} ago"


def local_clock(at: datetime, zone: str, now: datetime, *, with_zone: bool = False) -> str:
    """`Sun 02:00` within six days of `now`, `07 Dec 02:00` further off; `with_zone` adds the
    zone's abbreviation (`Sun 02:00 CET`)."""
    tz = ZoneInfo(zone)
    local = at.astimezone(tz)
    near = abs((at - now).total_seconds()) < 6 * 86400
    text = f"{local:%a %H:%M}" if near else f"{local:%d %b %H:%M}"
    return f"{text} {local:%Z}" if with_zone else text


def zone_abbreviation(zone: str, now: datetime) -> str:
    """The zone's abbreviation at `now` (`WIB`, `CET`), or its name when it has none."""
    short = now.astimezone(ZoneInfo(zone)).strftime("%Z")
    return zone if not short or short.startswith(("+", "-")) else short
