"""Cron rules read in plain English, and the reading agrees with the fire times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import InvalidInput
from core.schedules.triggers import cron, describe_cron, next_fire_times

READINGS = [
    ("30 2 * * *", "at 02:30 every day"),
    ("*/15 * * * *", "every 15 minutes"),
    ("0 9 * * 1-5", "at 09:00 on Monday to Friday"),
    ("* * * * *", "every minute"),
    ("@daily", "at 00:00 every day"),
    ("@midnight", "at 00:00 every day"),
    ("@hourly", "every hour at :00"),
    ("@weekly", "at 00:00 on Sunday"),
    ("@monthly", "at 00:00 on day 1 of the month"),
    ("@yearly", "at 00:00 on 1 January"),
    ("15 * * * *", "every hour at :15"),
    ("0,30 * * * *", "every 30 minutes"),
    ("5,35 * * * *", "every hour at :05 and :35"),
    ("0 */2 * * *", "every 2 hours at :00"),
    ("*/5 9-17 * * 1-5", "every 5 minutes from 09:00 to 17:59 on Monday to Friday"),
    ("* 9 * * *", "every minute from 09:00 to 09:59"),
    ("*/10 1,13 * * *", "every 10 minutes in hours 1 and 13"),
    ("0 9,17 * * *", "at 09:00 and 17:00 every day"),
    ("0 9-17 * * *", "every hour from 09:00 to 17:00"),
    ("0 9-11,14 * * *", "at 09:00, 10:00, 11:00 and 14:00 every day"),
    ("10,40 9-17 * * *", "at :10 and :40 past each hour from 09:00 to 17:00 every day"),
    ("0 9 1 * *", "at 09:00 on day 1 of the month"),
    ("0 9 1,15 * *", "at 09:00 on days 1 and 15 of the month"),
    ("0 0 1-7 * 1", "at 00:00 on days 1 to 7 of the month or on Monday"),
    ("0 0 25 12 *", "at 00:00 on 25 December"),
    ("0 0 * 1-3 *", "at 00:00 every day in January to March"),
    ("0 0 1 jan,jul *", "at 00:00 on day 1 of the month in January and July"),
    ("0 9 * * 0,6", "at 09:00 on Saturday and Sunday"),
    ("0 9 * * 7", "at 09:00 on Sunday"),
    ("0 8 * * mon,wed,fri", "at 08:00 on Monday, Wednesday and Friday"),
    ("0 8 * * MON-FRI", "at 08:00 on Monday to Friday"),
    ("  0   8 * *   *  ", "at 08:00 every day"),
    ("59 23 31 12 *", "at 23:59 on 31 December"),
    ("0 0 L * *", "cron 0 0 L * *"),
    ("0 0 * * 1#2", "cron 0 0 * * 1#2"),
]


@pytest.mark.parametrize(("expr", "reading"), READINGS)
def test_reading(expr: str, reading: str) -> None:
    assert describe_cron(expr) == reading


@pytest.mark.parametrize("bad", ["", "0 9 * *", "61 * * * *", "@often"])
def test_an_invalid_rule_is_refused_as_the_trigger_refuses_it(bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        describe_cron(bad)
    assert refused.value.field == "cron"


# Saturday 21 November 2026, 02:00 UTC; fire times read in UTC.
AFTER = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
NEXT = [
    ("30 2 * * *", ["Sat 02:30", "Sun 02:30", "Mon 02:30"]),
    ("*/15 * * * *", ["Sat 02:15", "Sat 02:30", "Sat 02:45"]),
    ("0 9 * * 1-5", ["Mon 09:00", "Tue 09:00", "Wed 09:00"]),
    ("0 */2 * * *", ["Sat 04:00", "Sat 06:00", "Sat 08:00"]),
    ("0 9 * * 0,6", ["Sat 09:00", "Sun 09:00", "Sat 09:00"]),
    ("0 9,17 * * *", ["Sat 09:00", "Sat 17:00", "Sun 09:00"]),
    ("@weekly", ["Sun 00:00", "Sun 00:00", "Sun 00:00"]),
]


@pytest.mark.parametrize(("expr", "fires"), NEXT)
def test_the_reading_matches_the_next_fire_times(expr: str, fires: list[str]) -> None:
    times = next_fire_times(cron(expr), "UTC", AFTER, 3)
    assert [f"{t:%a %H:%M}" for t in times] == fires
    reading = describe_cron(expr)
    for shown in fires:
        day, clock = shown.split()
        assert clock in reading or reading.startswith("every")
        if "Monday to Friday" in reading:
            assert day not in ("Sat", "Sun")
