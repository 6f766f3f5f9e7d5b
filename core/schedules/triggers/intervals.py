"""Intervals as people write them: 90s, 15m, 2h, 1d, 1w, 1h30m."""

from __future__ import annotations

import re

from core.errors import InvalidInput
from core.schedules.rule_text import INTERVAL_UNITS, format_interval

MIN_INTERVAL_SECONDS = 60
# Beyond a year an interval is almost certainly a typo, and huge values overflow datetime.
MAX_INTERVAL_SECONDS = 52 * 604800

_INTERVAL_PART = re.compile(r"([0-9]+)\s*([wdhms])")
# More digits than any interval up to the maximum needs: refused before int() sees them.
_MAX_DIGITS = 12
_INTERVAL_HINT = "write it like 90s, 15m, 2h, 1d, 1w or 1h30m"


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
    seconds = interval_seconds(text)
    if seconds is None:
        raise InvalidInput("every", f"interval {text.strip()!r} is not valid; {_INTERVAL_HINT}.")
    return _check_interval_seconds(seconds)


def _too_long(text: str) -> InvalidInput:
    return InvalidInput(
        "every",
        f"interval {text.strip()!r} is too long; it must be at most "
        f"{format_interval(MAX_INTERVAL_SECONDS)}.",
    )


def interval_seconds(text: str) -> int | None:
    """Seconds written in `text` in the interval grammar, unchecked against the limits; None
    when it is not written that way."""
    cleaned = text.strip().lower()
    if cleaned.isascii() and cleaned.isdigit():
        if len(cleaned.lstrip("0")) > _MAX_DIGITS:
            raise _too_long(text)
        return int(cleaned)
    total = 0
    position = 0
    last_rank = -1
    ranks = {unit: rank for rank, (unit, _size) in enumerate(INTERVAL_UNITS)}
    sizes = dict(INTERVAL_UNITS)
    for match in _INTERVAL_PART.finditer(cleaned):
        gap = cleaned[position : match.start()]
        rank = ranks[match.group(2)]
        # Units must appear once each, largest first ('1h30m', not '30m1h' or '1h1h').
        if gap.strip() or rank <= last_rank:
            break
        if len(match.group(1).lstrip("0")) > _MAX_DIGITS:
            raise _too_long(text)
        total += int(match.group(1)) * sizes[match.group(2)]
        position = match.end()
        last_rank = rank
    else:
        if cleaned and position == len(cleaned):
            return total
    return None
