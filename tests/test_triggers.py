"""Tests for core.triggers: parsing, models, refusals, and property tests of fire times."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.schedules import triggers
from core.schedules.triggers import (
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    cron,
    default_zone_name,
    describe,
    format_interval,
    interval,
    localize,
    next_fire_time,
    next_fire_times,
    once,
    parse_interval,
    parse_local_datetime,
    trigger_from_data,
    trigger_to_data,
    validate_once_in_future,
    zone,
)

ZONES = [
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # transitions at midnight
    "Asia/Jakarta",  # no DST
    "UTC",
]

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def assert_one_sentence(error: InvalidInput) -> None:
    text = str(error)
    assert text
    assert "\n" not in text
    assert text.endswith(".")
    assert text[0].islower() or text[0].isdigit()


# ---------------------------------------------------------------------------
# Intervals


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("15m", 900),
        ("2h", 7200),
        ("1d", 86400),
        ("1w", 604800),
        ("1h30m", 5400),
        ("1H30M", 5400),
        (" 1h 30m ", 5400),
        ("1d2h3m4s", 93784),
        ("90", 90),
        ("3600", 3600),
        ("60s", 60),
    ],
)
def test_parse_interval(text: str, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (60, "1m"),
        (90, "1m30s"),
        (900, "15m"),
        (5400, "1h30m"),
        (86400, "1d"),
        (604800, "1w"),
        (691200, "1w1d"),
        (0, "0s"),
    ],
)
def test_format_interval(seconds: int, text: str) -> None:
    assert format_interval(seconds) == text


@given(
    st.integers(min_value=triggers.MIN_INTERVAL_SECONDS, max_value=triggers.MAX_INTERVAL_SECONDS)
)
@FAST
def test_format_then_parse_interval_round_trips(seconds: int) -> None:
    assert parse_interval(format_interval(seconds)) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("30s", "interval must be at least 1m (60 s); got 30s."),
        ("0m", "interval must be at least 1m (60 s); got 0s."),
        ("59", "interval must be at least 1m (60 s); got 59s."),
        ("abc", "interval 'abc' is not valid; write it like 90s, 15m, 2h, 1d, 1w or 1h30m."),
        ("", "interval '' is not valid; write it like 90s, 15m, 2h, 1d, 1w or 1h30m."),
        ("1.5h", None),
        ("-5m", None),
        ("30m1h", None),
        ("1h1h", None),
        ("15 minutes", None),
        ("53w", "interval must be at most 52w; got 53w."),
    ],
)
def test_bad_intervals(text: str, message: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        interval(text)
    assert caught.value.field == "every"
    assert_one_sentence(caught.value)
    if message is not None:
        assert str(caught.value) == message


def test_interval_helper_accepts_seconds_and_refuses_small_or_odd_values() -> None:
    assert interval(900).every_seconds == 900
    for bad in (30, 0, -60, True):
        with pytest.raises(InvalidInput) as caught:
            interval(bad)
        assert caught.value.field == "every"
        assert_one_sentence(caught.value)


def test_interval_model_validates_directly() -> None:
    with pytest.raises(InvalidInput) as caught:
        IntervalTrigger(kind="interval", every_seconds=30)
    assert str(caught.value) == "interval must be at least 1m (60 s); got 30s."
    with pytest.raises(InvalidInput) as naive:
        IntervalTrigger(kind="interval", every_seconds=60, anchor=datetime(2026, 1, 1))
    assert naive.value.field == "anchor"


def test_interval_anchor_is_stored_in_utc_whole_seconds() -> None:
    paris = ZoneInfo("Europe/Paris")
    trigger = interval("15m", anchor=datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=paris))
    assert trigger.anchor == z("2026-06-01 10:00")
    assert trigger.anchor is not None and trigger.anchor.tzinfo == UTC


def test_interval_fire_times_count_from_anchor() -> None:
    trigger = interval("15m", anchor=z("2026-01-01 00:00"))
    assert next_fire_times(trigger, "UTC", z("2026-01-01 00:00"), 3) == [
        z("2026-01-01 00:15"),
        z("2026-01-01 00:30"),
        z("2026-01-01 00:45"),
    ]
    # Mid-way and exactly on an occurrence: strictly after.
    assert next_fire_time(trigger, "UTC", z("2026-01-01 00:20")) == z("2026-01-01 00:30")
    assert next_fire_time(trigger, "UTC", z("2026-01-01 00:30")) == z("2026-01-01 00:45")
    # An anchor in the future is itself the first fire.
    assert next_fire_time(trigger, "UTC", z("2025-12-31 00:00")) == z("2026-01-01 00:00")


def test_interval_without_anchor_counts_from_after() -> None:
    trigger = interval("1h")
    assert next_fire_times(trigger, "UTC", z("2026-01-01 00:00"), 2) == [
        z("2026-01-01 01:00"),
        z("2026-01-01 02:00"),
    ]


# ---------------------------------------------------------------------------
# Local date-times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01 09:00", datetime(2026, 3, 1, 9, 0)),
        ("2026-03-01T09:00", datetime(2026, 3, 1, 9, 0)),
        ("2026-03-01T09:00:30", datetime(2026, 3, 1, 9, 0, 30)),
        ("2026-03-01 09:00:30", datetime(2026, 3, 1, 9, 0, 30)),
        ("2026-03-01 09:00:30.999", datetime(2026, 3, 1, 9, 0, 30)),
        ("  2026-03-01 09:00 ", datetime(2026, 3, 1, 9, 0)),
        ("2028-02-29 23:59", datetime(2028, 2, 29, 23, 59)),
    ],
)
def test_parse_local_datetime(text: str, expected: datetime) -> None:
    parsed = parse_local_datetime(text)
    assert parsed == expected
    assert parsed.tzinfo is None


@pytest.mark.parametrize(
    "text",
    [
        "2026-13-01 09:00",
        "2026-02-30 09:00",
        "2026-03-01 24:00",
        "2026-03-01 09:60",
        "2026-03-01",
        "09:00",
        "tomorrow",
        "",
        "01/03/2026 09:00",
    ],
)
def test_bad_local_datetimes(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_local_datetime(text)
    assert caught.value.field == "fire_at"
    assert_one_sentence(caught.value)
    assert "YYYY-MM-DD HH:MM" in str(caught.value)


def test_a_fire_at_that_is_neither_a_time_nor_a_shortcut_names_the_shortcuts() -> None:
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput) as caught:
        triggers.parse_fire_at("yesterday", "UTC", now)
    assert caught.value.field == "fire_at"
    assert str(caught.value) == (
        "fire-at 'yesterday' is not a valid date-time; write it as YYYY-MM-DD HH:MM, or a "
        "shortcut: +30m, +1h, tomorrow 09:00 or today 18:30."
    )


def test_bad_month_message_is_exact() -> None:
    with pytest.raises(InvalidInput) as caught:
        once("2026-13-01 09:00")
    assert str(caught.value) == (
        "fire-at '2026-13-01 09:00' is not a valid date-time; write it as YYYY-MM-DD HH:MM."
    )


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-01T09:00Z",
        "2026-03-01 09:00+01:00",
        "2026-03-01T09:00:00-0500",
        "2026-03-01T09:00+02",
    ],
)
def test_offsets_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_local_datetime(text)
    assert caught.value.field == "fire_at"
    assert_one_sentence(caught.value)
    assert "timezone" in str(caught.value)


def test_once_helper_and_model() -> None:
    trigger = once(datetime(2026, 5, 1, 9, 30, 15, 999999))
    assert trigger.fire_at == datetime(2026, 5, 1, 9, 30, 15)
    assert once("2026-05-01 09:30") == OnceTrigger(kind="once", fire_at=datetime(2026, 5, 1, 9, 30))
    with pytest.raises(InvalidInput) as caught:
        once(datetime(2026, 5, 1, 9, 30, tzinfo=UTC))
    assert caught.value.field == "fire_at"
    assert_one_sentence(caught.value)


# ---------------------------------------------------------------------------
# Zones


def test_zone_accepts_exact_iana_names() -> None:
    assert zone("Europe/Paris").key == "Europe/Paris"
    assert zone("UTC").key == "UTC"
    assert zone("Asia/Jakarta").key == "Asia/Jakarta"


@pytest.mark.parametrize(
    ("name", "spelling"), [("europe/paris", "Europe/Paris"), (" UTC ", "UTC"), ("utc", "UTC")]
)
def test_zone_suggests_the_exact_spelling(name: str, spelling: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        zone(name)
    assert caught.value.field == "timezone"
    assert str(caught.value) == f"unknown timezone '{name}'; write it as {spelling}."


@pytest.mark.parametrize("name", ["Mars/Base", "", "America", "../etc/passwd", "localtime", "CEST"])
def test_unknown_zones_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        zone(name)
    assert caught.value.field == "timezone"
    assert_one_sentence(caught.value)


def test_unknown_zone_message_is_exact() -> None:
    with pytest.raises(InvalidInput) as caught:
        next_fire_times(cron("@daily"), "Mars/Base", z("2026-01-01 00:00"), 1)
    assert str(caught.value) == (
        "unknown timezone 'Mars/Base'; use an IANA name such as Europe/Paris or UTC."
    )


def test_default_zone_name(monkeypatch: pytest.MonkeyPatch) -> None:
    import tzlocal

    zone(default_zone_name())  # whatever the machine says is usable
    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: "Europe/Berlin")
    assert default_zone_name() == "Europe/Berlin"
    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: None)
    assert default_zone_name() == "UTC"
    monkeypatch.setattr(tzlocal, "get_localzone_name", lambda: "Central European Time")
    assert default_zone_name() == "UTC"

    def broken() -> str:
        raise LookupError("no zone configured")

    monkeypatch.setattr(tzlocal, "get_localzone_name", broken)
    assert default_zone_name() == "UTC"


# ---------------------------------------------------------------------------
# Cron expressions


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("0 9 * * 1-5", "0 9 * * 1-5"),
        ("  0   9 *\t* 1-5 ", "0 9 * * 1-5"),
        ("*/15 * * * *", "*/15 * * * *"),
        ("0 0 1,15 * *", "0 0 1,15 * *"),
        ("0 9 * jan-mar mon-fri", "0 9 * jan-mar mon-fri"),
        ("0 0 * * 7", "0 0 * * 7"),
        ("@yearly", "@yearly"),
        ("@ANNUALLY", "@annually"),
        ("@monthly", "@monthly"),
        ("@weekly", "@weekly"),
        ("@daily", "@daily"),
        ("@midnight", "@midnight"),
        (" @hourly ", "@hourly"),
    ],
)
def test_valid_crons_are_normalised(text: str, stored: str) -> None:
    trigger = cron(text)
    assert trigger.expr == stored
    assert describe(trigger, "UTC") == f"cron {stored}"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("61 * * * *", "minute must be 0-59"),
        ("0 24 * * *", "hour must be 0-23"),
        ("0 0 32 * *", "day-of-month must be 1-31"),
        ("0 0 0 * *", "day-of-month must be 1-31"),
        ("0 0 * 13 *", "month must be 1-12 or jan-dec"),
        ("0 0 * * 8", "day-of-week must be 0-7 or sun-sat"),
        ("0-70 * * * *", "minute must be 0-59"),
        ("* * *", "it has 3 fields"),
        ("* * * * * *", "it has 6 fields and seconds are not supported"),
        ("* * * * * * *", "it has 7 fields"),
        ("@reboot", "@reboot is not supported"),
        ("@every 5m", "is not supported"),
        ("", "it is empty"),
        ("H * * * *", "hashed or random"),
        ("R * * * *", "hashed or random"),
        ("*/0 * * * *", "the minute field '*/0' is not valid"),
        ("a b c d e", "the minute field 'a' is not valid"),
        ("0 9 * * funday", "the day-of-week field 'funday' is not valid"),
        ("0 0 30 2 *", "it never matches a real date"),
    ],
)
def test_bad_crons(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        cron(text)
    assert caught.value.field == "cron"
    assert_one_sentence(caught.value)
    assert reason in str(caught.value)
    assert str(caught.value).endswith("write five fields like '0 9 * * 1-5'.")


def test_bad_cron_message_is_exact() -> None:
    with pytest.raises(InvalidInput) as caught:
        cron("61 * * * *")
    assert str(caught.value) == (
        "cron expression '61 * * * *' is invalid: minute must be 0-59; "
        "write five fields like '0 9 * * 1-5'."
    )


def test_cron_model_validates_directly_without_pydantic_errors() -> None:
    with pytest.raises(InvalidInput):
        CronTrigger(kind="cron", expr="61 * * * *")
    with pytest.raises(InvalidInput):
        trigger_from_data({"kind": "cron", "expr": "@reboot"})


# ---------------------------------------------------------------------------
# Serialisation and describe


@pytest.mark.parametrize(
    "trigger",
    [
        once("2026-05-01 09:30:15"),
        cron("0 9 * * 1-5"),
        cron("@daily"),
        interval("1h30m", anchor=z("2026-01-01 00:00")),
        interval("15m"),
    ],
)
def test_triggers_round_trip_through_json(
    trigger: OnceTrigger | CronTrigger | IntervalTrigger,
) -> None:
    data = trigger_to_data(trigger)
    assert data["kind"] == trigger.kind
    assert trigger_from_data(data) == trigger
    assert trigger_from_data(json.dumps(trigger_to_data(trigger))) == trigger


def test_stored_shapes() -> None:
    assert trigger_to_data(once("2026-05-01 09:30")) == {
        "kind": "once",
        "fire_at": "2026-05-01T09:30:00",
    }
    assert trigger_to_data(cron("0 9 * * 1-5")) == {"kind": "cron", "expr": "0 9 * * 1-5"}
    assert trigger_to_data(interval("15m", anchor=z("2026-01-01 00:00"))) == {
        "kind": "interval",
        "every_seconds": 900,
        "anchor": "2026-01-01T00:00:00Z",
    }


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "weekly"},
        {"kind": "once"},
        {"kind": "cron", "expr": 5},
        {"kind": "interval", "every_seconds": "often"},
        {"kind": "once", "fire_at": "2026-05-01T09:30:00", "extra": 1},
        "not json",
        [],
    ],
)
def test_malformed_stored_triggers(data: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        trigger_from_data(data)
    assert caught.value.field == "trigger"
    assert_one_sentence(caught.value)


def test_describe() -> None:
    assert describe(once("2026-05-01 09:30"), "Europe/Paris") == "once"
    assert describe(cron("0 9 * * 1-5"), "UTC") == "cron 0 9 * * 1-5"
    assert describe(interval("15m"), "UTC") == "every 15m"
    assert describe(interval(5400), "UTC") == "every 1h30m"


# ---------------------------------------------------------------------------
# Past fire-at times


def test_past_fire_at_is_refused() -> None:
    now = z("2026-05-01 12:03")
    with pytest.raises(InvalidInput) as caught:
        validate_once_in_future(once("2020-01-01 09:00"), "Europe/Paris", now)
    assert caught.value.field == "fire_at"
    assert str(caught.value) == (
        "fire-at 2020-01-01 09:00 Europe/Paris is in the past "
        "(now 2026-05-01 14:03 Europe/Paris); choose a later time."
    )


def test_fire_at_equal_to_now_is_past_and_one_second_later_is_fine() -> None:
    now = z("2026-05-01 12:00")
    with pytest.raises(InvalidInput):
        validate_once_in_future(once("2026-05-01 14:00"), "Europe/Paris", now)
    validate_once_in_future(once("2026-05-01 14:00:01"), "Europe/Paris", now)


def test_validate_once_ignores_other_kinds() -> None:
    validate_once_in_future(cron("@daily"), "UTC", z("2030-01-01 00:00"))
    validate_once_in_future(interval("1h"), "UTC", z("2030-01-01 00:00"))


def test_naive_after_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_fire_times(cron("@daily"), "UTC", datetime(2026, 1, 1), 1)


def test_n_zero_and_spent_once() -> None:
    assert next_fire_times(cron("@daily"), "UTC", z("2026-01-01 00:00"), 0) == []
    assert next_fire_times(once("2026-01-01 00:00"), "UTC", z("2026-01-01 00:00"), 3) == []


def test_rare_crons() -> None:
    leap = next_fire_times(cron("0 0 29 2 *"), "UTC", z("2026-01-01 00:00"), 2)
    assert leap == [z("2028-02-29 00:00"), z("2032-02-29 00:00")]
    assert next_fire_times(cron("@yearly"), "Europe/Berlin", z("2026-06-01 00:00"), 1) == [
        z("2026-12-31 23:00")
    ]


# ---------------------------------------------------------------------------
# Property tests


def _field(values: st.SearchStrategy[int], low: int, high: int) -> st.SearchStrategy[str]:
    number = values.map(str)
    step = st.integers(min_value=1, max_value=max(1, (high - low) // 2)).map(lambda k: f"*/{k}")
    span = st.tuples(values, values).map(lambda ab: f"{min(ab)}-{max(ab)}")
    span_step = st.tuples(values, values, st.integers(min_value=1, max_value=7)).map(
        lambda abk: f"{min(abk[0], abk[1])}-{max(abk[0], abk[1])}/{abk[2]}"
    )
    listed = st.lists(values, min_size=2, max_size=4, unique=True).map(
        lambda xs: ",".join(str(x) for x in sorted(xs))
    )
    return st.one_of(st.just("*"), number, step, span, span_step, listed)


MINUTES = _field(st.integers(0, 59), 0, 59)
HOURS = st.one_of(
    st.just("*"), _field(st.integers(0, 23), 0, 23), st.sampled_from(["0", "1", "2", "3", "0-3"])
)
DAYS = st.one_of(st.just("*"), st.just("*"), _field(st.integers(1, 28), 1, 28))
MONTHS = st.one_of(st.just("*"), st.just("*"), _field(st.integers(1, 12), 1, 12))
WEEKDAYS = st.one_of(st.just("*"), st.just("*"), _field(st.integers(0, 6), 0, 6))
ALIASES = st.sampled_from(sorted(triggers.CRON_ALIASES))
# Shapes that land in gaps and repeated hours in the zones below.
DST_SENSITIVE = st.sampled_from(
    [
        "30 * * * *",
        "*/30 * * * *",
        "15,45 * * * *",
        "30 1 * * *",
        "30 2 * * *",
        "*/15 2 * * *",
        "0,30 2-3 * * *",
        "15 0 * * *",
        "0 0 * * *",
        "*/20 0-3 * * *",
    ]
)
CRONS = st.one_of(
    st.tuples(MINUTES, HOURS, DAYS, MONTHS, WEEKDAYS).map(" ".join),
    ALIASES,
    DST_SENSITIVE,
)


def _transitions_2025_2028(name: str) -> list[datetime]:
    """UTC instants where `name` changes offset (hourly scan, independent of the module)."""
    tz = ZoneInfo(name)
    found: list[datetime] = []
    moment = z("2025-01-01 00:00")
    offset = moment.astimezone(tz).utcoffset()
    while moment < z("2029-01-01 00:00"):
        moment += timedelta(hours=1)
        now_offset = moment.astimezone(tz).utcoffset()
        if now_offset != offset:
            found.append(moment)
            offset = now_offset
    return found


TRANSITIONS = {name: _transitions_2025_2028(name) for name in ZONES}
SPREAD = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


def _near_transition(name: str) -> st.SearchStrategy[datetime]:
    if not TRANSITIONS[name]:
        return SPREAD
    return st.tuples(
        st.sampled_from(TRANSITIONS[name]),
        st.integers(min_value=-30 * 3600, max_value=30 * 3600),
    ).map(lambda pair: pair[0] + timedelta(seconds=pair[1]))


DST_ZONES = [name for name in ZONES if TRANSITIONS[name]]
ZONE_NEAR_TRANSITION = st.sampled_from(DST_ZONES).flatmap(
    lambda name: st.tuples(st.just(name), _near_transition(name))
)
ZONE_ANY_TIME = st.sampled_from(ZONES).flatmap(
    lambda name: st.tuples(st.just(name), st.one_of(SPREAD, _near_transition(name)))
)


def _matches(expanded: Sequence[Sequence[int | str]], wall: datetime) -> bool:
    """croniter's matching rules for the plain fields this grammar generates."""

    def hit(index: int, value: int) -> bool:
        return expanded[index] == ["*"] or value in expanded[index]

    cron_weekday = (wall.weekday() + 1) % 7
    day_ok = hit(2, wall.day)
    weekday_ok = hit(4, cron_weekday)
    if expanded[2] != ["*"] and expanded[4] != ["*"]:
        days = day_ok or weekday_ok
    else:
        days = day_ok and weekday_ok
    return hit(0, wall.minute) and hit(1, wall.hour) and hit(3, wall.month) and days


def _oracle(expr: str, tz: ZoneInfo, after: datetime, until: datetime) -> list[datetime]:
    """Fire times in (after, until) by walking every UTC minute and applying the DST rules."""
    spec = triggers.CRON_ALIASES.get(expr, expr)
    expanded, _nth = croniter.expand(spec)
    wildcard = expanded[1] == ["*"]
    fires: list[datetime] = []
    moment = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while moment < until:
        wall = moment.astimezone(tz)
        naive = wall.replace(tzinfo=None)
        previous = (moment - timedelta(minutes=1)).astimezone(tz)
        fire = False
        if _matches(expanded, naive) and (wildcard or wall.fold == 0):
            fire = True
        elif not wildcard:
            before_offset = previous.utcoffset()
            now_offset = wall.utcoffset()
            assert before_offset is not None and now_offset is not None
            if now_offset > before_offset:
                # Gap end: wall times [moment + before, moment + now) were skipped.
                skipped = moment.replace(tzinfo=None) + before_offset
                while skipped < naive:
                    if _matches(expanded, skipped):
                        fire = True
                        break
                    skipped += timedelta(minutes=1)
        if fire:
            fires.append(moment)
        moment += timedelta(minutes=1)
    return fires


@given(expr=CRONS, zone_after=ZONE_ANY_TIME)
@FAST
def test_cron_fire_times_strictly_increase_after_after(
    expr: str, zone_after: tuple[str, datetime]
) -> None:
    tz_name, after = zone_after
    times = next_fire_times(cron(expr), tz_name, after, 8)
    assert len(times) == 8
    assert all(t.tzinfo == UTC for t in times)
    assert times[0] > after
    assert all(a < b for a, b in pairwise(times))
    # Resuming from any fire time gives the rest of the same sequence.
    assert next_fire_times(cron(expr), tz_name, times[2], 5) == times[3:8]
    # Asking for fewer gives a prefix.
    for k in (1, 2, 3, 5):
        assert next_fire_times(cron(expr), tz_name, after, k) == times[:k]


@given(expr=CRONS, zone_after=ZONE_NEAR_TRANSITION)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_cron_fire_times_match_minute_by_minute_oracle(
    expr: str, zone_after: tuple[str, datetime]
) -> None:
    tz_name, after = zone_after
    tz = zone(tz_name)
    until = after + timedelta(hours=30)
    expected = _oracle(expr, tz, after, until)
    got = next_fire_times(cron(expr), tz_name, after, len(expected) + 1)
    assert got[: len(expected)] == expected
    assert len(got) == len(expected) + 1
    assert got[-1] >= until


@given(
    every=st.integers(min_value=60, max_value=14 * 86400),
    anchor=SPREAD,
    offset=st.integers(min_value=-30 * 86400, max_value=400 * 86400),
    tz_name=st.sampled_from(ZONES),
)
@FAST
def test_interval_spacing_is_exact(every: int, anchor: datetime, offset: int, tz_name: str) -> None:
    after = anchor + timedelta(seconds=offset, microseconds=offset % 1000)
    trigger = interval(every, anchor=anchor)
    assert trigger.anchor is not None
    times = next_fire_times(trigger, tz_name, after, 6)
    assert len(times) == 6
    assert times[0] > after
    assert times[0] - timedelta(seconds=every) <= after or times[0] == trigger.anchor
    assert (times[0] - trigger.anchor) % timedelta(seconds=every) == timedelta(0)
    assert all(b - a == timedelta(seconds=every) for a, b in pairwise(times))


@given(
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    minutes=st.integers(min_value=0, max_value=24 * 60 - 1),
    tz_name=st.sampled_from(ZONES),
)
@FAST
def test_localize_refuses_gaps_and_takes_first_occurrence(
    day: date, minutes: int, tz_name: str
) -> None:
    tz = zone(tz_name)
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    try:
        instant = localize(wall, tz)
    except InvalidInput as refusal:
        assert refusal.field == "fire_at"
        assert_one_sentence(refusal)
        # Neither fold round-trips: the wall time really is missing.
        for fold in (0, 1):
            back = wall.replace(tzinfo=tz, fold=fold).astimezone(UTC).astimezone(tz)
            assert back.replace(tzinfo=None) != wall
        return
    assert instant.astimezone(tz).replace(tzinfo=None) == wall
    # No earlier instant shows the same wall time.
    other = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    assert instant <= other
