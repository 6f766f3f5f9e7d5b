"""A typed schedule form is checked field by field: every refusal at once, each once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from core.schedules.form import ScheduleForm, check_form, example_fire_at
from core.schedules.triggers import IntervalTrigger

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)  # 09:00 in Asia/Jakarta
GOOD = ScheduleForm(
    name="Audit",
    kind="once",
    when="2026-11-22 09:00",
    timezone="Asia/Jakarta",
    db_profile="demo",
    database="shop",
    scope=["sales"],
    llm_profile="heuristic",
)


def test_a_good_form_gives_the_spec_fields() -> None:
    checked = check_form(GOOD, NOW)
    assert checked.problems == {}
    assert checked.fields["name"] == "Audit"
    assert checked.fields["misfire_grace_s"] == 60
    assert checked.fields["max_retries"] == 3


def test_every_field_is_refused_at_once() -> None:
    bad = replace(GOOD, name=" ", when="2020-01-01 09:00", scope=[], db_profile=None,
                  grace="soon", retries="99", missed_policy="later")  # fmt: skip
    problems = check_form(bad, NOW).problems
    assert set(problems) == {"name", "fire_at", "scope", "db_profile", "misfire_grace_s",
                             "max_retries", "missed_policy"}  # fmt: skip
    assert "in the past" in problems["fire_at"]
    assert "name is empty" in problems["name"]


def test_an_unknown_zone_is_said_once_and_not_again_by_the_fire_time() -> None:
    problems = check_form(replace(GOOD, timezone="Mars/Base", when="+1h"), NOW).problems
    assert list(problems) == ["timezone"]


def test_a_dst_gap_is_said_once_beside_the_fire_time() -> None:
    gap = replace(GOOD, timezone="America/New_York", when="2027-03-14 02:30")
    problems = check_form(gap, NOW).problems
    assert list(problems) == ["fire_at"]
    assert "does not exist" in problems["fire_at"]


def test_the_same_sentence_is_never_shown_twice() -> None:
    problems = check_form(replace(GOOD, kind="cron", when="61 * * * *", timezone="Nowhere"), NOW)
    messages = list(problems.problems.values())
    assert len(messages) == len(set(messages)) == 2


def test_an_interval_starts_when_the_person_says() -> None:
    form = replace(GOOD, kind="interval", when="6h", start="2026-11-21 10:00", grace="5m")
    checked = check_form(form, NOW)
    trigger = checked.fields["trigger"]
    assert isinstance(trigger, IntervalTrigger)
    assert trigger.anchor == datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    assert checked.fields["misfire_grace_s"] == 300


def test_a_bad_start_is_refused_as_the_start() -> None:
    form = replace(GOOD, kind="interval", when="6h", start="soonish")
    assert list(check_form(form, NOW).problems) == ["start"]


def test_empty_trigger_text_names_a_future_example() -> None:
    problems = check_form(replace(GOOD, when=""), NOW).problems
    assert "2026-11-22 09:00" in problems["fire_at"]
    assert example_fire_at("Asia/Jakarta", NOW) == "2026-11-22 09:00"
