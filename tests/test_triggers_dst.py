"""Golden DST tests for core.triggers: exact UTC instants written out by hand.

Transitions used (2026 unless noted):
- America/New_York: spring forward Sun 8 Mar 02:00 EST -> 03:00 EDT (07:00Z);
  fall back Sun 1 Nov 02:00 EDT -> 01:00 EST (06:00Z). 2027 spring forward: Sun 14 Mar.
- Europe/London: spring forward Sun 29 Mar 01:00 GMT -> 02:00 BST (01:00Z);
  fall back Sun 25 Oct 02:00 BST -> 01:00 GMT (01:00Z).
- Europe/Berlin: spring forward Sun 29 Mar 02:00 CET -> 03:00 CEST (01:00Z);
  fall back Sun 25 Oct 03:00 CEST -> 02:00 CET (01:00Z).
- Australia/Sydney: fall back Sun 5 Apr 03:00 AEDT -> 02:00 AEST (4 Apr 16:00Z);
  spring forward Sun 4 Oct 02:00 AEST -> 03:00 AEDT (3 Oct 16:00Z).
- Asia/Jakarta: UTC+7 all year (control).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import InvalidInput
from core.schedules.triggers import (
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    cron,
    dst_note,
    interval,
    localize,
    next_fire_time,
    next_fire_times,
    once,
    validate_once_in_future,
    zone,
)

NY = "America/New_York"
LONDON = "Europe/London"
BERLIN = "Europe/Berlin"
SYDNEY = "Australia/Sydney"
JAKARTA = "Asia/Jakarta"


def z(text: str) -> datetime:
    """'2026-03-08 07:00' as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def zs(*texts: str) -> list[datetime]:
    return [z(text) for text in texts]


# ---------------------------------------------------------------------------
# once: gap refused, ambiguous -> first occurrence


@pytest.mark.parametrize(
    ("tz_name", "wall", "message"),
    [
        (
            NY,
            "2026-03-08 02:30",
            "2026-03-08 02:30 does not exist in America/New_York: clocks jump from 02:00 to "
            "03:00 that day; choose another time.",
        ),
        (
            LONDON,
            "2026-03-29 01:30",
            "2026-03-29 01:30 does not exist in Europe/London: clocks jump from 01:00 to "
            "02:00 that day; choose another time.",
        ),
        (
            BERLIN,
            "2026-03-29 02:00",
            "2026-03-29 02:00 does not exist in Europe/Berlin: clocks jump from 02:00 to "
            "03:00 that day; choose another time.",
        ),
        (
            SYDNEY,
            "2026-10-04 02:59",
            "2026-10-04 02:59 does not exist in Australia/Sydney: clocks jump from 02:00 to "
            "03:00 that day; choose another time.",
        ),
        (
            "Australia/Lord_Howe",
            "2026-10-04 02:15",
            "2026-10-04 02:15 does not exist in Australia/Lord_Howe: clocks jump from 02:00 "
            "to 02:30 that day; choose another time.",
        ),
    ],
)
def test_once_in_spring_forward_gap_is_refused(tz_name: str, wall: str, message: str) -> None:
    trigger = once(wall)
    with pytest.raises(InvalidInput) as caught:
        next_fire_times(trigger, tz_name, z("2026-01-01 00:00"), 1)
    assert caught.value.field == "fire_at"
    assert str(caught.value) == message
    with pytest.raises(InvalidInput, match="does not exist"):
        validate_once_in_future(trigger, tz_name, z("2026-01-01 00:00"))
    with pytest.raises(InvalidInput, match="does not exist"):
        localize(datetime.fromisoformat(wall), zone(tz_name))


@pytest.mark.parametrize(
    ("tz_name", "wall", "expected"),
    [
        (NY, "2026-11-01 01:30", "2026-11-01 05:30"),  # EDT, not 06:30 EST
        (NY, "2026-11-01 01:00", "2026-11-01 05:00"),
        (NY, "2026-11-01 01:59:59", "2026-11-01 05:59:59"),
        (LONDON, "2026-10-25 01:30", "2026-10-25 00:30"),  # BST, not 01:30 GMT
        (BERLIN, "2026-10-25 02:30", "2026-10-25 00:30"),  # CEST, not 01:30 CET
        (SYDNEY, "2026-04-05 02:30", "2026-04-04 15:30"),  # AEDT, not 16:30 AEST
        (JAKARTA, "2026-11-01 01:30", "2026-10-31 18:30"),
    ],
)
def test_once_ambiguous_resolves_to_first_occurrence(
    tz_name: str, wall: str, expected: str
) -> None:
    trigger = once(wall)
    assert next_fire_times(trigger, tz_name, z("2026-01-01 00:00"), 5) == [z(expected)]
    assert localize(datetime.fromisoformat(wall), zone(tz_name)) == z(expected)


def test_once_edges_of_the_gap_exist() -> None:
    tz = zone(NY)
    assert localize(datetime(2026, 3, 8, 1, 59, 59), tz) == z("2026-03-08 06:59:59")
    assert localize(datetime(2026, 3, 8, 3, 0), tz) == z("2026-03-08 07:00")
    assert localize(datetime(2026, 11, 1, 2, 0), tz) == z("2026-11-01 07:00")


def test_once_fires_only_after_after() -> None:
    trigger = once("2026-11-01 01:30")
    assert next_fire_time(trigger, NY, z("2026-11-01 05:29:59")) == z("2026-11-01 05:30")
    assert next_fire_time(trigger, NY, z("2026-11-01 05:30")) is None
    # The second occurrence of 01:30 is not a fire time of its own.
    assert next_fire_time(trigger, NY, z("2026-11-01 06:00")) is None


# ---------------------------------------------------------------------------
# Daily crons at 01:30 and 02:30 across both transitions


DAILY_CASES = [
    # New York, spring forward: 02:30 does not exist on 8 Mar -> 03:00 EDT = 07:00Z.
    (
        NY,
        "30 1 * * *",
        "2026-03-07 00:00",
        ["2026-03-07 06:30", "2026-03-08 06:30", "2026-03-09 05:30"],
    ),
    (
        NY,
        "30 2 * * *",
        "2026-03-07 00:00",
        ["2026-03-07 07:30", "2026-03-08 07:00", "2026-03-09 06:30"],
    ),
    # New York, fall back: 01:30 happens twice on 1 Nov -> fires once, at EDT (05:30Z).
    (
        NY,
        "30 1 * * *",
        "2026-10-31 00:00",
        ["2026-10-31 05:30", "2026-11-01 05:30", "2026-11-02 06:30"],
    ),
    (
        NY,
        "30 2 * * *",
        "2026-10-31 00:00",
        ["2026-10-31 06:30", "2026-11-01 07:30", "2026-11-02 07:30"],
    ),
    # London, spring forward: 01:30 does not exist on 29 Mar -> 02:00 BST = 01:00Z.
    (
        LONDON,
        "30 1 * * *",
        "2026-03-28 00:00",
        ["2026-03-28 01:30", "2026-03-29 01:00", "2026-03-30 00:30"],
    ),
    (
        LONDON,
        "30 2 * * *",
        "2026-03-28 00:00",
        ["2026-03-28 02:30", "2026-03-29 01:30", "2026-03-30 01:30"],
    ),
    # London, fall back: 01:30 happens twice on 25 Oct -> once, at BST (00:30Z).
    (
        LONDON,
        "30 1 * * *",
        "2026-10-24 00:00",
        ["2026-10-24 00:30", "2026-10-25 00:30", "2026-10-26 01:30"],
    ),
    (
        LONDON,
        "30 2 * * *",
        "2026-10-24 00:00",
        ["2026-10-24 01:30", "2026-10-25 02:30", "2026-10-26 02:30"],
    ),
    # Berlin, spring forward: 02:30 does not exist on 29 Mar -> 03:00 CEST = 01:00Z.
    (
        BERLIN,
        "30 2 * * *",
        "2026-03-28 00:00",
        ["2026-03-28 01:30", "2026-03-29 01:00", "2026-03-30 00:30"],
    ),
    # Berlin, fall back: 02:30 happens twice on 25 Oct -> once, at CEST (00:30Z).
    (
        BERLIN,
        "30 2 * * *",
        "2026-10-24 00:00",
        ["2026-10-24 00:30", "2026-10-25 00:30", "2026-10-26 01:30"],
    ),
    # Sydney, fall back (April): 02:30 happens twice on 5 Apr -> once, at AEDT.
    (
        SYDNEY,
        "30 1 * * *",
        "2026-04-03 00:00",
        ["2026-04-03 14:30", "2026-04-04 14:30", "2026-04-05 15:30"],
    ),
    (
        SYDNEY,
        "30 2 * * *",
        "2026-04-03 00:00",
        ["2026-04-03 15:30", "2026-04-04 15:30", "2026-04-05 16:30"],
    ),
    # Sydney, spring forward (October): 02:30 does not exist on 4 Oct -> 03:00 AEDT.
    (
        SYDNEY,
        "30 1 * * *",
        "2026-10-02 00:00",
        ["2026-10-02 15:30", "2026-10-03 15:30", "2026-10-04 14:30"],
    ),
    (
        SYDNEY,
        "30 2 * * *",
        "2026-10-02 00:00",
        ["2026-10-02 16:30", "2026-10-03 16:00", "2026-10-04 15:30"],
    ),
    # Jakarta has no DST: the same UTC time every day.
    (
        JAKARTA,
        "30 2 * * *",
        "2026-03-07 00:00",
        ["2026-03-07 19:30", "2026-03-08 19:30", "2026-03-09 19:30"],
    ),
    (
        JAKARTA,
        "30 1 * * *",
        "2026-10-31 00:00",
        ["2026-10-31 18:30", "2026-11-01 18:30", "2026-11-02 18:30"],
    ),
]


@pytest.mark.parametrize(("tz_name", "expr", "after", "expected"), DAILY_CASES)
def test_daily_cron_across_transitions(
    tz_name: str, expr: str, after: str, expected: list[str]
) -> None:
    assert next_fire_times(cron(expr), tz_name, z(after), 3) == zs(*expected)


def test_daily_cron_fires_once_on_fall_back_day_unlike_plain_croniter() -> None:
    day_start, day_end = z("2026-11-01 04:00"), z("2026-11-02 04:00")  # local midnight to midnight
    times = next_fire_times(cron("30 1 * * *"), NY, day_start, 5)
    assert [t for t in times if t < day_end] == [z("2026-11-01 05:30")]


def test_gap_times_collapse_to_one_instant() -> None:
    # 02:00, 02:15, 02:30 and 02:45 are all in the gap: they fire once, at 03:00 EDT.
    assert next_fire_times(cron("*/15 2 * * *"), NY, z("2026-03-08 00:00"), 3) == zs(
        "2026-03-08 07:00", "2026-03-09 06:00", "2026-03-09 06:15"
    )
    # A gap time and a real 03:00 run land on the same instant: one fire, no duplicate.
    assert next_fire_times(cron("0,30 2-3 * * *"), NY, z("2026-03-08 00:00"), 3) == zs(
        "2026-03-08 07:00", "2026-03-08 07:30", "2026-03-09 06:00"
    )


# ---------------------------------------------------------------------------
# Hour field '*': real elapsed time (both repeated hours fire, gap times are skipped)


def test_every_30_minutes_fires_in_both_repeated_hours_new_york() -> None:
    # 00:30 EDT, 01:00 EDT, 01:30 EDT, 01:00 EST, 01:30 EST, 02:00 EST
    assert next_fire_times(cron("*/30 * * * *"), NY, z("2026-11-01 04:00"), 6) == zs(
        "2026-11-01 04:30",
        "2026-11-01 05:00",
        "2026-11-01 05:30",
        "2026-11-01 06:00",
        "2026-11-01 06:30",
        "2026-11-01 07:00",
    )


def test_asking_for_fewer_fire_times_gives_a_prefix_across_fall_back() -> None:
    # The second 01:00 (EST) comes after the first 01:30 (EDT): order is by real time.
    expected = zs("2026-11-01 04:30", "2026-11-01 05:00", "2026-11-01 05:30", "2026-11-01 06:00")
    for n in range(1, 5):
        assert next_fire_times(cron("*/30 * * * *"), NY, z("2026-11-01 04:00"), n) == expected[:n]


def test_every_30_minutes_fires_in_both_repeated_hours_sydney() -> None:
    # 02:00 AEDT, 02:30 AEDT, 02:00 AEST, 02:30 AEST, 03:00 AEST
    assert next_fire_times(cron("*/30 * * * *"), SYDNEY, z("2026-04-04 14:45"), 5) == zs(
        "2026-04-04 15:00",
        "2026-04-04 15:30",
        "2026-04-04 16:00",
        "2026-04-04 16:30",
        "2026-04-04 17:00",
    )


def test_every_30_minutes_resumes_from_inside_either_repeated_hour() -> None:
    expr = cron("*/30 * * * *")
    # From 01:40 EDT the 01:00/01:30 EST runs are still ahead.
    assert next_fire_times(expr, NY, z("2026-11-01 05:40"), 3) == zs(
        "2026-11-01 06:00", "2026-11-01 06:30", "2026-11-01 07:00"
    )
    # From 01:10 EST only 01:30 EST is left of the repeated hour.
    assert next_fire_times(expr, NY, z("2026-11-01 06:10"), 2) == zs(
        "2026-11-01 06:30", "2026-11-01 07:00"
    )


def test_hourly_cron_skips_gap_and_keeps_real_hourly_spacing() -> None:
    # 00:30 EST, 01:30 EST, (02:30 does not exist), 03:30 EDT, 04:30 EDT
    assert next_fire_times(cron("30 * * * *"), NY, z("2026-03-08 05:00"), 4) == zs(
        "2026-03-08 05:30", "2026-03-08 06:30", "2026-03-08 07:30", "2026-03-08 08:30"
    )
    # Every 30 minutes: 01:30 EST, then 03:00 EDT - thirty real minutes later.
    assert next_fire_times(cron("*/30 * * * *"), NY, z("2026-03-08 06:00"), 3) == zs(
        "2026-03-08 06:30", "2026-03-08 07:00", "2026-03-08 07:30"
    )


def test_hourly_alias_fires_every_real_hour_across_fall_back() -> None:
    times = next_fire_times(cron("@hourly"), LONDON, z("2026-10-24 23:30"), 4)
    # 01:00 BST, 01:00 GMT, 02:00 GMT, 03:00 GMT: one fire per real hour.
    assert times == zs(
        "2026-10-25 00:00", "2026-10-25 01:00", "2026-10-25 02:00", "2026-10-25 03:00"
    )


# ---------------------------------------------------------------------------
# Weekly, @daily, interval


def test_weekly_cron_keeps_local_time_across_spring_forward() -> None:
    # Mondays 09:00 New York: EST (14:00Z) before 8 Mar, EDT (13:00Z) after.
    assert next_fire_times(cron("0 9 * * 1"), NY, z("2026-02-28 00:00"), 3) == zs(
        "2026-03-02 14:00", "2026-03-09 13:00", "2026-03-16 13:00"
    )


def test_weekly_cron_on_sydney_fall_back_sunday() -> None:
    # Sundays 09:00 Sydney: AEDT (22:00Z the day before), then AEST (23:00Z).
    assert next_fire_times(cron("0 9 * * sun"), SYDNEY, z("2026-03-27 00:00"), 3) == zs(
        "2026-03-28 22:00", "2026-04-04 23:00", "2026-04-11 23:00"
    )


def test_daily_alias_across_london_spring_forward() -> None:
    # Midnight GMT, midnight GMT (before the 01:00 jump), then midnight BST (23:00Z).
    assert next_fire_times(cron("@daily"), LONDON, z("2026-03-27 12:00"), 3) == zs(
        "2026-03-28 00:00", "2026-03-29 00:00", "2026-03-29 23:00"
    )


def test_daily_alias_in_jakarta() -> None:
    assert next_fire_times(cron("@midnight"), JAKARTA, z("2026-03-07 12:00"), 2) == zs(
        "2026-03-07 17:00", "2026-03-08 17:00"
    )


@pytest.mark.parametrize("tz_name", [NY, LONDON, SYDNEY, JAKARTA])
def test_interval_spacing_is_constant_in_utc_across_transitions(tz_name: str) -> None:
    trigger = interval("1h", anchor=z("2026-11-01 03:00"))
    times = next_fire_times(trigger, tz_name, z("2026-11-01 03:00"), 6)
    assert times == [z("2026-11-01 04:00") + timedelta(hours=k) for k in range(6)]

    daily = interval("1d", anchor=z("2026-03-01 12:00"))
    assert next_fire_times(daily, tz_name, z("2026-03-07 00:00"), 3) == zs(
        "2026-03-07 12:00", "2026-03-08 12:00", "2026-03-09 12:00"
    )


# ---------------------------------------------------------------------------
# dst_note


def test_dst_note_for_gap_shift() -> None:
    note = dst_note(cron("30 2 * * *"), NY, z("2027-01-01 00:00"))
    assert note == (
        "2027-03-14 02:30 falls in the DST gap in America/New_York; it fires at 03:00 instead."
    )


def test_dst_note_for_merged_gap_times() -> None:
    note = dst_note(cron("*/15 2 * * *"), NY, z("2026-03-01 00:00"))
    assert note is not None
    assert note.startswith("2026-03-08 02:00 to 02:45 (4 times) fall in the DST gap")
    assert "fire once at 03:00" in note


def test_dst_note_for_fall_back_dedup() -> None:
    note = dst_note(cron("30 1 * * *"), NY, z("2026-10-01 00:00"))
    assert note is not None
    assert note.startswith("2026-11-01 01:30 occurs twice in America/New_York")
    assert "first occurrence (EDT)" in note


def test_dst_note_for_southern_hemisphere() -> None:
    note = dst_note(cron("30 2 * * *"), SYDNEY, z("2026-04-01 00:00"))
    assert note is not None
    assert note.startswith("2026-04-05 02:30 occurs twice in Australia/Sydney")
    gap = dst_note(cron("30 2 * * *"), SYDNEY, z("2026-04-06 00:00"))
    assert gap == (
        "2026-10-04 02:30 falls in the DST gap in Australia/Sydney; it fires at 03:00 instead."
    )


def test_dst_note_for_hourly_cron_mentions_both_and_skip() -> None:
    both = dst_note(cron("*/30 * * * *"), NY, z("2026-10-01 00:00"))
    assert both is not None
    assert "twice" in both
    assert "in both" in both
    skipped = dst_note(cron("30 * * * *"), NY, z("2026-03-01 00:00"))
    assert skipped is not None
    assert "skipped" in skipped


def test_dst_note_for_once() -> None:
    note = dst_note(once("2026-11-01 01:30"), NY, z("2026-10-01 00:00"))
    assert note == (
        "2026-11-01 01:30 occurs twice in America/New_York; it fires once, at the first "
        "occurrence (EDT, 05:30 UTC)."
    )
    assert dst_note(once("2026-11-01 09:00"), NY, z("2026-10-01 00:00")) is None
    gap = dst_note(once("2026-03-08 02:30"), NY, z("2026-01-01 00:00"))
    assert gap is not None
    assert "does not exist" in gap


@pytest.mark.parametrize(
    ("trigger_tz", "after"),
    [
        ((cron("0 12 * * *"), NY), "2026-01-01 00:00"),  # noon never touches a transition
        ((cron("30 2 * * *"), JAKARTA), "2026-01-01 00:00"),
        ((cron("@daily"), "Australia/Lord_Howe"), "2026-01-01 00:00"),
        ((interval("1h"), NY), "2026-10-31 00:00"),
        ((once("2026-11-01 01:30"), NY), "2026-11-01 06:00"),  # already past
    ],
)
def test_dst_note_is_none_when_nothing_moves(
    trigger_tz: tuple[OnceTrigger | CronTrigger | IntervalTrigger, str], after: str
) -> None:
    trigger, tz_name = trigger_tz
    assert dst_note(trigger, tz_name, z(after)) is None


def test_every_note_is_one_line() -> None:
    cases: list[tuple[OnceTrigger | CronTrigger | IntervalTrigger, str]] = [
        (cron("30 2 * * *"), NY),
        (cron("*/30 * * * *"), SYDNEY),
        (cron("0 0-3 * * *"), BERLIN),
        (once("2026-10-25 01:30"), LONDON),
    ]
    for trigger, tz_name in cases:
        note = dst_note(trigger, tz_name, z("2026-01-01 00:00"))
        assert note is not None
        assert "\n" not in note
        assert note.endswith(".")
