"""The agenda as a pure function: which fires, grouped by the viewer's day, dense schedules
collapsed, clashes and DST marked, always the daemon's own fire times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidInput
from core.schedules.agenda import (
    Agenda,
    AgendaLine,
    AgendaSource,
    build_agenda,
    fires_of,
    local_clock,
    window,
)
from core.schedules.triggers import AfterTrigger, Trigger, cron, interval, next_fire_times, once

JAKARTA = "Asia/Jakarta"
BERLIN = "Europe/Berlin"
NY = "America/New_York"
# 09:00 in Asia/Jakarta, a Saturday.
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def source(
    schedule_id: int,
    trigger: Trigger,
    *,
    tz: str = JAKARTA,
    status: str = "pending",
    profile: str = "shop",
    now: datetime = NOW,
    next_fire_at: datetime | None = None,
    typical: timedelta | None = None,
) -> AgendaSource:
    if next_fire_at is None and status != "running":
        found = next_fire_times(trigger, tz, now, 1)
        next_fire_at = found[0] if found else None
    return AgendaSource(
        id=schedule_id,
        name=f"s{schedule_id}",
        status=status,
        trigger=trigger,
        timezone=tz,
        db_profile=profile,
        next_fire_at=next_fire_at,
        typical_run=typical,
    )


def lines(agenda: Agenda) -> list[AgendaLine]:
    return [line for day in agenda.days for line in day.lines]


def test_window_is_the_rest_of_today_and_the_following_days_in_the_viewer_zone() -> None:
    start, end = window(NOW, ZoneInfo(JAKARTA), 7)
    assert start == NOW
    assert end == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # Sat 28 Nov 00:00 WIB
    agenda = build_agenda([], JAKARTA, NOW)
    assert [d.day for d in agenda.days] == [date(2026, 11, 21) + timedelta(n) for n in range(7)]
    assert agenda.empty and all(not d.lines for d in agenda.days)


def test_daily_cron_fires_once_a_day_grouped_by_local_day() -> None:
    agenda = build_agenda([source(1, cron("0 2 * * *"))], JAKARTA, NOW)
    assert [len(d.lines) for d in agenda.days] == [0, 1, 1, 1, 1, 1, 1]
    assert [local_clock(x.at, ZoneInfo(JAKARTA)) for x in lines(agenda)] == ["02:00"] * 6
    assert agenda.fires == 6 and agenda.clashes == 0


def test_interval_counts_from_its_anchor() -> None:
    anchor = datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    agenda = build_agenda([source(1, interval("12h", anchor))], JAKARTA, NOW)
    first = lines(agenda)[:3]
    assert [x.at for x in first] == [
        datetime(2026, 11, 21, 11, 0, tzinfo=UTC),
        datetime(2026, 11, 21, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 22, 11, 0, tzinfo=UTC),
    ]
    assert all(x.rule == "every 12h" for x in first)


def test_once_inside_the_window_shows_and_outside_does_not() -> None:
    inside = source(1, once("2026-11-23 10:00"))
    outside = source(2, once("2026-12-10 10:00"))
    agenda = build_agenda([inside, outside], JAKARTA, NOW)
    assert [(x.schedule_id, x.at) for x in lines(agenda)] == [
        (1, datetime(2026, 11, 23, 3, 0, tzinfo=UTC))
    ]


@pytest.mark.parametrize("status", ["completed", "failed", "missed", "cancelled"])
def test_schedules_that_do_not_fire_on_their_own_are_left_out(status: str) -> None:
    agenda = build_agenda([source(1, cron("0 2 * * *"), status=status)], JAKARTA, NOW)
    assert agenda.empty


def test_a_stored_retry_time_fires_first_then_the_trigger_rhythm() -> None:
    retry = NOW + timedelta(minutes=4)
    agenda = build_agenda([source(1, cron("0 2 * * *"), next_fire_at=retry)], JAKARTA, NOW)
    assert lines(agenda)[0].at == retry
    assert local_clock(lines(agenda)[1].at, ZoneInfo(JAKARTA)) == "02:00"


def test_a_running_schedule_fires_again_at_its_trigger_times() -> None:
    running = source(1, cron("30 * * * *"), status="running", next_fire_at=NOW)
    agenda = build_agenda([running], JAKARTA, NOW, days=1)
    assert lines(agenda)[0].at == NOW + timedelta(minutes=30)
    assert build_agenda([source(2, once("2026-11-21 09:00"), status="running")], JAKARTA, NOW).empty


def test_every_minute_cron_is_one_line_per_day_with_its_count() -> None:
    agenda = build_agenda([source(1, cron("* * * * *"))], JAKARTA, NOW)
    assert [len(d.lines) for d in agenda.days] == [1] * 7
    today, tomorrow = agenda.days[0].lines[0], agenda.days[1].lines[0]
    assert today.count == 15 * 60 - 1  # 09:01 to 23:59
    assert tomorrow.count == 1440
    assert local_clock(tomorrow.at, ZoneInfo(JAKARTA)) == "00:00"
    assert tomorrow.last_at is not None
    assert local_clock(tomorrow.last_at, ZoneInfo(JAKARTA)) == "23:59"
    assert agenda.fires == 899 + 6 * 1440


def test_few_fires_a_day_stay_one_line_each() -> None:
    agenda = build_agenda([source(1, cron("0 */4 * * *"))], JAKARTA, NOW)
    assert all(len(d.lines) == 6 for d in agenda.days[1:])
    assert {x.count for x in lines(agenda)} == {1}


def test_fires_agree_with_the_daemon_rule() -> None:
    trig = cron("*/7 1-5 * * 1,3")
    src = source(1, trig, tz=BERLIN)
    start, end = window(NOW, ZoneInfo(JAKARTA), 31)
    expected = [t for t in next_fire_times(trig, BERLIN, NOW, 5000) if t < end]
    assert fires_of(src, start, end) == expected


def test_same_minute_on_one_profile_clashes() -> None:
    a, b = source(1, cron("0 2 * * *")), source(2, cron("0 2 * * *"))
    other = source(3, cron("0 2 * * *"), profile="crm")
    agenda = build_agenda([a, b, other], JAKARTA, NOW, days=2)
    marked = {(x.schedule_id, x.clashes_with) for x in lines(agenda)}
    assert marked == {(1, (2,)), (2, (1,)), (3, ())}
    assert agenda.clashes == 2


def test_a_long_typical_run_overlaps_a_later_fire() -> None:
    long = source(1, cron("0 2 * * *"), typical=timedelta(minutes=30))
    later = source(2, cron("20 2 * * *"))
    after = source(3, cron("31 2 * * *"))
    agenda = build_agenda([long, later, after], JAKARTA, NOW, days=2)
    assert {(x.schedule_id, x.clashes_with) for x in lines(agenda)} == {
        (1, (2,)),
        (2, (1,)),
        (3, ()),
    }
    # Without history a run is expected to take one minute: no overlap.
    short = source(1, cron("0 2 * * *"))
    assert build_agenda([short, later], JAKARTA, NOW, days=2).clashes == 0


def test_paused_fires_are_listed_marked_and_never_clash() -> None:
    paused = source(1, cron("0 2 * * *"), status="paused")
    live = source(2, cron("0 2 * * *"))
    agenda = build_agenda([paused, live], JAKARTA, NOW, days=2)
    day = agenda.days[1].lines
    assert [(x.schedule_id, x.paused, x.clashes_with) for x in day] == [
        (1, True, ()),
        (2, False, ()),
    ]
    assert agenda.paused_fires == 1 and agenda.fires == 1


def after(schedule_id: int, upstream: int, *, status: str = "pending") -> AgendaSource:
    trigger = AfterTrigger(upstream=f"s{upstream}", upstream_id=upstream)
    return source(schedule_id, trigger, status=status)


def test_what_runs_after_a_fire_follows_it_down_each_chain() -> None:
    nightly = source(1, cron("0 2 * * *"))
    hourly = source(2, cron("0 * * * *"))
    sources = [after(5, 1), nightly, after(3, 1), after(4, 3), hourly, after(6, 2)]
    agenda = build_agenda(sources, JAKARTA, NOW, days=2)
    sunday = agenda.days[1].lines
    assert [(x.schedule_id, x.after, x.count) for x in sunday[:5]] == [
        (2, None, 24),
        (6, 2, 24),
        (1, None, 1),
        (3, 1, 1),
        (4, 3, 1),
    ] and [(x.schedule_id, x.after) for x in sunday[5:]] == [(5, 1)]
    followed = sunday[3]
    assert followed.at == sunday[2].at and followed.rule == "after «s1» succeeds"
    assert followed.last_at is None and sunday[1].last_at == sunday[0].last_at
    assert agenda.names[4] == "s4"
    # They have no time of their own: neither counted as fires nor in a clash.
    assert agenda.fires == build_agenda([nightly, hourly], JAKARTA, NOW, days=2).fires
    assert all(not x.clashes_with for x in sunday if x.after is not None)


def test_a_follower_of_a_paused_upstream_or_paused_itself_is_marked_paused() -> None:
    sources = [
        source(1, cron("0 2 * * *"), status="paused"),
        after(2, 1),
        source(3, cron("0 3 * * *")),
        after(4, 3, status="paused"),
        after(5, 4),
    ]
    sunday = build_agenda(sources, JAKARTA, NOW, days=2).days[1].lines
    assert [(x.schedule_id, x.paused) for x in sunday] == [
        (1, True),
        (2, True),
        (3, False),
        (4, True),
        (5, True),
    ]


@pytest.mark.parametrize("status", ["completed", "failed", "missed", "cancelled"])
def test_a_follower_that_cannot_run_or_an_upstream_that_does_not_fire_is_left_out(
    status: str,
) -> None:
    sources = [source(1, cron("0 2 * * *")), after(2, 1, status=status), after(3, 9)]
    agenda = build_agenda(sources, JAKARTA, NOW, days=2)
    assert [x.schedule_id for x in lines(agenda)] == [1]
    assert build_agenda([after(3, 9)], JAKARTA, NOW).empty


# Europe/Berlin: spring forward Sun 29 Mar 2026 02:00 CET -> 03:00 CEST (01:00Z);
# fall back Sun 25 Oct 2026 03:00 CEST -> 02:00 CET (01:00Z).
SPRING = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
AUTUMN = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)


def test_a_cron_in_the_spring_gap_fires_when_the_gap_ends_and_says_so() -> None:
    src = source(1, cron("30 2 * * *"), tz=BERLIN, now=SPRING)
    agenda = build_agenda([src], BERLIN, SPRING, days=4)
    day = next(d for d in agenda.days if d.day == date(2026, 3, 29))
    (line,) = day.lines
    assert line.at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert line.dst == "moved from 02:30 (clocks jump forward)"
    assert day.note == "clocks go forward here: 02:00 becomes 03:00 (CET to CEST)"
    (note,) = agenda.dst_notes
    assert note.text.startswith("2026-03-29 02:30 falls in the DST gap in Europe/Berlin")
    others = [x for x in lines(agenda) if x is not line]
    assert others and all(x.dst is None for x in others)


def test_a_cron_in_the_repeated_hour_fires_once_at_the_first() -> None:
    src = source(1, cron("30 2 * * *"), tz=BERLIN, now=AUTUMN)
    agenda = build_agenda([src], BERLIN, AUTUMN, days=4)
    day = next(d for d in agenda.days if d.day == date(2026, 10, 25))
    (line,) = day.lines
    assert line.at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert line.dst == "02:30 CEST: first of two, not repeated (clocks go back)"
    assert local_clock(line.at, ZoneInfo(BERLIN)) == "02:30 CEST"
    assert day.note == "clocks go back here: 03:00 becomes 02:00 (CEST to CET)"
    assert "fires once, at the first occurrence" in agenda.dst_notes[0].text


def test_an_hourly_cron_fires_in_both_repeated_hours_and_skips_the_gap() -> None:
    autumn = build_agenda(
        [source(1, cron("30 * * * *"), tz=BERLIN, now=AUTUMN)], BERLIN, AUTUMN, days=4
    )
    (line,) = next(d for d in autumn.days if d.day == date(2026, 10, 25)).lines
    assert line.count == 25
    assert line.dst == "02:30 CEST: first of two (clocks go back)"
    spring = build_agenda(
        [source(1, cron("30 * * * *"), tz=BERLIN, now=SPRING)], BERLIN, SPRING, days=4
    )
    (line,) = next(d for d in spring.days if d.day == date(2026, 3, 29)).lines
    assert line.count == 23
    assert "skipped" in spring.dst_notes[0].text


def test_interval_is_not_touched_by_dst_but_the_viewer_day_is_23_hours() -> None:
    src = source(1, interval("1h", SPRING), tz=BERLIN, now=SPRING)
    agenda = build_agenda([src], BERLIN, SPRING, days=4)
    day = next(d for d in agenda.days if d.day == date(2026, 3, 29))
    assert day.lines[0].count == 23 and day.lines[0].dst is None
    assert agenda.dst_notes == ()


def test_days_are_the_viewer_days_not_the_schedule_days() -> None:
    # 02:00 in Jakarta is 14:00 the day before in New York (EST, UTC-5).
    agenda = build_agenda([source(1, cron("0 2 * * *"))], NY, NOW, days=3)
    assert [d.day for d in agenda.days] == [date(2026, 11, 20) + timedelta(n) for n in range(3)]
    assert [local_clock(x.at, ZoneInfo(NY)) for x in lines(agenda)] == ["14:00"] * 2


def test_a_schedule_in_another_zone_keeps_its_own_dst_rule() -> None:
    # A Berlin 02:30 cron seen from Jakarta: moved by Berlin's gap, on Jakarta's calendar.
    src = source(1, cron("30 2 * * *"), tz=BERLIN, now=SPRING)
    agenda = build_agenda([src], JAKARTA, SPRING, days=4)
    moved = [x for x in lines(agenda) if x.dst]
    assert [local_clock(x.at, ZoneInfo(JAKARTA)) for x in moved] == ["08:00"]
    assert all(d.note is None for d in agenda.days)


@pytest.mark.parametrize("days", [0, 32, -1])
def test_days_out_of_range_are_refused_in_one_sentence(days: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        build_agenda([], JAKARTA, NOW, days=days)
    assert refused.value.field == "days"
    assert "from 1 to 31" in refused.value.message


def test_unknown_viewer_zone_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        build_agenda([], "Mars/Olympus", NOW)
    assert refused.value.field == "timezone"
