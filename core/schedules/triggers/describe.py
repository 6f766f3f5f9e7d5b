"""Rules in plain English: "at 02:30 every day", "every 15 minutes", "at 09:00 on Monday to
Friday", "after «nightly» succeeds". A cron rule too unusual to read well (nth weekday, last
day) is shown as written."""

from __future__ import annotations

from collections.abc import Sequence

from croniter import croniter

from core.schedules.rule_text import after_rule
from core.schedules.triggers.cron import CRON_ALIASES, _normalise_cron
from core.schedules.triggers.model import AfterTrigger

# Weekdays read Monday first, so Sunday is 7 here (cron writes it 0 or 7).
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# Field bounds as croniter expands them (weekday 7 becomes 0).
_LOW = (0, 0, 1, 1, 0)
_HIGH = (59, 23, 31, 12, 6)
Field = list[int] | None  # None: every value ('*')


def _joined(parts: Sequence[str], last: str = "and") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {last} {parts[-1]}"


def _runs(values: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive values grouped: [1, 2, 3, 5] -> [(1, 3), (5, 5)]."""
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _named(values: Sequence[int], name: Sequence[str] | None = None, offset: int = 0) -> str:
    """'Monday to Friday', 'January and July', '1, 15 and 20 to 25'."""

    def one(value: int) -> str:
        return name[value - offset] if name else str(value)

    parts = []
    for low, high in _runs(values):
        if high - low >= 2:
            parts.append(f"{one(low)} to {one(high)}")
        else:
            parts.extend(one(v) for v in range(low, high + 1))
    return _joined(parts)


def _step(values: Sequence[int], low: int, high: int) -> int | None:
    """n when `values` are every n-th value of the field from its lowest (*/n), else None."""
    if len(values) < 2 or values[0] != low:
        return None
    n = values[1] - values[0]
    expected = list(range(low, high + 1, n))
    return n if list(values) == expected and n > 1 else None


def _clock(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def _plural(n: int, unit: str) -> str:
    return f"every {unit}" if n == 1 else f"every {n} {unit}s"


def _hours_span(hours: Sequence[int]) -> str | None:
    """'from 09:00 to 17:59' when the hours are one block, else None."""
    runs = _runs(hours)
    if len(runs) != 1:
        return None
    low, high = runs[0]
    return f"from {_clock(low, 0)} to {_clock(high, 59)}"


def _time_part(minutes: Field, hours: Field) -> str:
    minute_step = _step(minutes, 0, 59) if minutes else None
    past = _joined([f":{m:02d}" for m in minutes]) if minutes else ""
    if hours is None:
        if minutes is None:
            return "every minute"
        if minute_step:
            return _plural(minute_step, "minute")
        return f"every hour at {past}"
    hour_step = _step(hours, 0, 23)
    if minutes is None or minute_step:
        every = "every minute" if minutes is None else _plural(minute_step or 1, "minute")
        span = _hours_span(hours)
        if span:
            return f"{every} {span}"
        return f"{every} in hours {_named(hours)}"
    if hour_step:
        return f"{_plural(hour_step, 'hour')} at {past}"
    times = [_clock(h, m) for h in hours for m in minutes]
    if len(times) <= 6:
        return f"at {_joined(times)}"
    if len(minutes) == 1 and len(_runs(hours)) == 1:
        return f"every hour from {times[0]} to {times[-1]}"
    if len(_runs(hours)) == 1:
        return f"at {past} past each hour from {_clock(hours[0], 0)} to {_clock(hours[-1], 0)}"
    return f"at {past} past hours {_named(hours)}"


def _weekdays(values: Sequence[int]) -> str:
    return _named(sorted(v or 7 for v in values), WEEKDAYS, offset=1)


def _day_part(days: Field, months: Field, weekdays: Field) -> str:
    if days is None and weekdays is None:
        when = "every day"
    elif days is None:
        assert weekdays is not None
        when = f"on {_weekdays(weekdays)}"
    elif len(days) == 1 and months is not None and len(months) == 1 and weekdays is None:
        return f"on {days[0]} {MONTHS[months[0] - 1]}"
    else:
        word = "day" if len(days) == 1 else "days"
        when = f"on {word} {_named(days)} of the month"
        if weekdays is not None:
            # Cron fires when either matches.
            when += f" or on {_weekdays(weekdays)}"
    if months is not None:
        when += f" in {_named(months, MONTHS, offset=1)}"
    return when


def describe_cron(expr: str) -> str:
    """A plain-English reading of a valid cron expression or alias ("at 09:00 on Monday to
    Friday"); the expression itself (`cron <expr>`) when it uses L, W or # forms."""
    canonical = _normalise_cron(expr)
    spec = CRON_ALIASES.get(canonical, canonical)
    expanded, nth = croniter.expand(spec)
    if nth or any(isinstance(v, str) and v != "*" for field in expanded for v in field):
        return f"cron {canonical}"
    fields: list[Field] = []
    for index, values in enumerate(expanded):
        numbers = sorted({int(v) for v in values}) if values != ["*"] else None
        full = list(range(_LOW[index], _HIGH[index] + 1))
        fields.append(None if numbers == full else numbers)
    minutes, hours, days, months, weekdays = fields
    time = _time_part(minutes, hours)
    day = _day_part(days, months, weekdays)
    if day == "every day" and time.startswith("every"):
        return time
    return f"{time} {day}"


def describe_after(trigger: AfterTrigger) -> str:
    """'after «nightly» succeeds' (the upstream's id when its name is not known)."""
    return after_rule(trigger.upstream, trigger.upstream_id)
