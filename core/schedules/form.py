"""A schedule as a person types it into a form, checked field by field: every field's refusal
at once, each sentence once, from the same validators the service uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.errors import InvalidInput
from core.schedules.spec import build_spec
from core.schedules.triggers import (
    IntervalTrigger,
    Trigger,
    kept_once,
    localize,
    parse_local_datetime,
    parse_trigger,
    validate_once_in_future,
    zone,
)
from core.schedules.triggers.intervals import interval_seconds

# The form field that holds each trigger kind's text.
TRIGGER_FIELD = {"once": "fire_at", "cron": "cron", "interval": "every", "after": "after"}
_EMPTY = {
    "fire_at": "fire-at is empty; write a time like {example}, +1h or tomorrow 09:00.",
    "cron": "cron rule is empty; write five fields like '0 9 * * 1-5'.",
    "every": "interval is empty; write it like 15m, 2h or 1d.",
    "after": "after is empty; give the name of the schedule this one runs after.",
}
# A valid value for every required field, so that one field can be checked on its own.
_NEUTRAL: dict[str, Any] = {
    "name": "schedule",
    "trigger": IntervalTrigger(every_seconds=3600),
    "db_profile": "profile",
    "scope": ["schema"],
    "llm_profile": "heuristic",
}


@dataclass(frozen=True)
class ScheduleForm:
    """What a person typed or chose, as text; None where nothing is chosen yet."""

    name: str
    kind: str
    when: str
    timezone: str
    db_profile: str | None
    database: str | None
    scope: list[str]
    llm_profile: str | None
    review_strategy: str = "manual"
    start: str = ""
    missed_policy: str = "ask"
    grace: str = "60"
    retries: str = "3"


@dataclass(frozen=True)
class FormCheck:
    """The schedule's fields when every one is accepted, and otherwise each refusal by field."""

    fields: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)


def example_fire_at(tz_name: str, now: datetime) -> str:
    """A fire-at example that is always ahead of `now`: tomorrow 09:00 in `tz_name`."""
    try:
        local = now.astimezone(zone(tz_name))
    except InvalidInput:
        local = now.astimezone(UTC)
    return f"{(local + timedelta(days=1)):%Y-%m-%d} 09:00"


def check_trigger(
    form: ScheduleForm, now: datetime, kept: tuple[Trigger, str] | None = None
) -> tuple[Trigger | None, dict[str, str]]:
    """The trigger of `form` (with its interval's start), or the refusals of its trigger text,
    start and timezone by field; `kept` is an edited schedule's trigger and zone, whose fire
    time may have passed if the form leaves it as it was."""
    problems: dict[str, str] = {}
    tz_name = form.timezone.strip()
    try:
        tz = zone(tz_name)
    except InvalidInput as refusal:
        problems["timezone"] = refusal.message
        tz = None
    text_field = TRIGGER_FIELD.get(form.kind, "fire_at")
    if not form.when.strip():
        example = example_fire_at(tz_name, now)
        problems[text_field] = _EMPTY[text_field].format(example=example)
        return None, problems
    if tz is None and form.kind == "once":
        return None, problems  # a wall time means nothing until its zone is known
    try:
        trigger = parse_trigger(form.kind, form.when, tz_name if tz else "UTC", now)
        unchanged = kept is not None and kept_once(*kept, trigger, tz_name, now)
        if tz is not None and not unchanged:
            validate_once_in_future(trigger, tz_name, now)
    except InvalidInput as refusal:
        problems[_trigger_field(refusal.field, text_field)] = refusal.message
        return None, problems
    if isinstance(trigger, IntervalTrigger) and form.start.strip() and tz is not None:
        try:
            local = parse_local_datetime(form.start, field="start", what="start time")
            trigger = IntervalTrigger(
                every_seconds=trigger.every_seconds, anchor=localize(local, tz)
            )
        except InvalidInput as refusal:
            problems["start"] = refusal.message
            return None, problems
    return (trigger if not problems else None), problems


def _trigger_field(named: str | None, text_field: str) -> str:
    return named if named in ("timezone", "start") else text_field


def _spec_problem(name: str, value: Any, **with_fields: Any) -> tuple[str, str] | None:
    try:
        build_spec(**{**_NEUTRAL, **with_fields, name: value})
    except InvalidInput as refusal:
        return refusal.field, refusal.message
    return None


def _whole(text: str, what: str, fix: str) -> int | str:
    """The number in `text`, or the sentence refusing it."""
    cleaned = text.strip()
    if cleaned.isascii() and cleaned.isdigit() and len(cleaned) <= 6:
        return int(cleaned)
    return f"{what} {cleaned!r} is not a whole number; {fix}."


def _grace(text: str) -> int | str:
    fix = "write seconds (90) or a length like 5m or 1h, at most 1d"
    try:
        seconds = interval_seconds(text)
    except InvalidInput:
        seconds = None
    if seconds is None:
        return f"grace {text.strip()!r} is not a length; {fix}."
    if seconds > 86_400:
        return f"grace {text.strip()!r} is longer than 1d; {fix}."
    return seconds


def check_form(
    form: ScheduleForm, now: datetime, kept: tuple[Trigger, str] | None = None
) -> FormCheck:
    """Every field of `form` checked on its own; the spec's fields when all are accepted
    (`kept` as for check_trigger)."""
    trigger, problems = check_trigger(form, now, kept)
    fields: dict[str, Any] = {
        "name": form.name,
        "timezone": form.timezone.strip(),
        "database": form.database,
        "scope": list(form.scope),
        "review_strategy": form.review_strategy,
        "missed_policy": form.missed_policy,
    }
    for name, chosen, what in (
        ("db_profile", form.db_profile, "DB"),
        ("llm_profile", form.llm_profile, "LLM"),
    ):
        if chosen:
            fields[name] = chosen
        else:
            problems[name] = f"no {what} profile is chosen; choose one from the list."
    grace = _grace(form.grace)
    retries = _whole(form.retries, "retries", "write a number from 0 to 20")
    for name, value in (("misfire_grace_s", grace), ("max_retries", retries)):
        if isinstance(value, str):
            problems[name] = value
        else:
            fields[name] = value
    for name in ("name", "review_strategy", "missed_policy", "misfire_grace_s", "max_retries"):
        if name in fields and name not in problems:
            found = _spec_problem(name, fields[name])
            if found:
                problems.setdefault(*found)
    if "scope" not in problems:
        found = _spec_problem("scope", fields["scope"], database=form.database)
        if found:
            problems.setdefault(*found)
    if problems:
        return FormCheck(problems=_each_once(problems))
    assert trigger is not None
    return FormCheck(fields={**fields, "trigger": trigger})


def _each_once(problems: dict[str, str]) -> dict[str, str]:
    seen: set[str] = set()
    once: dict[str, str] = {}
    for name, message in problems.items():
        if message not in seen:
            seen.add(message)
            once[name] = message
    return once
