"""The four trigger kinds, and their stored form.

Plain frozen dataclasses, validated on construction: the daemon reads every stored trigger, and
keeping them free of pydantic keeps its resident memory small."""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import MISSING, dataclass
from dataclasses import fields as fields_of
from datetime import UTC, datetime
from typing import Any, Literal

from core.clock import iso_utc
from core.errors import InvalidInput
from core.schedules.rule_text import upstream_spelling
from core.schedules.triggers.cron import _CRON_EXAMPLE, _normalise_cron
from core.schedules.triggers.intervals import (
    _INTERVAL_HINT,
    _check_interval_seconds,
    parse_interval,
)
from core.schedules.triggers.zones import in_calendar, parse_local_datetime


@dataclass(frozen=True, kw_only=True)
class OnceTrigger:
    """Fire once at a naive local wall-clock time in the schedule's zone."""

    kind: Literal["once"] = "once"
    fire_at: datetime

    def __post_init__(self) -> None:
        value = self.fire_at
        if not isinstance(value, datetime):
            raise InvalidInput(
                "fire_at",
                f"fire-at {value!r} is not a date and time; write it as YYYY-MM-DD HH:MM.",
            )
        if value.tzinfo is not None:
            raise InvalidInput(
                "fire_at",
                f"fire-at '{value.isoformat()}' carries a UTC offset; write the local "
                "wall-clock time without one and set the schedule's timezone instead.",
            )
        in_calendar(value, "fire_at", "fire-at")
        object.__setattr__(self, "fire_at", value.replace(microsecond=0, fold=0))


@dataclass(frozen=True, kw_only=True)
class CronTrigger:
    """Fire on a 5-field cron expression (or @daily-style alias) in local wall-clock time."""

    kind: Literal["cron"] = "cron"
    expr: str

    def __post_init__(self) -> None:
        if not isinstance(self.expr, str):
            raise InvalidInput(
                "cron", f"cron expression {self.expr!r} is not text; {_CRON_EXAMPLE}."
            )
        object.__setattr__(self, "expr", _normalise_cron(self.expr))


@dataclass(frozen=True, kw_only=True)
class IntervalTrigger:
    """Fire every `every_seconds`, counted from the UTC `anchor` (anchor + k * every)."""

    kind: Literal["interval"] = "interval"
    every_seconds: int
    anchor: datetime | None = None

    def __post_init__(self) -> None:
        every = self.every_seconds
        if isinstance(every, bool) or not isinstance(every, int):
            raise InvalidInput("every", f"interval {every!r} is not valid; {_INTERVAL_HINT}.")
        _check_interval_seconds(every)
        anchor = self.anchor
        if anchor is None:
            return
        if not isinstance(anchor, datetime) or anchor.tzinfo is None or anchor.utcoffset() is None:
            raise InvalidInput(
                "anchor", "interval anchor must be an aware UTC datetime; got a naive one."
            )
        in_calendar(anchor, "anchor", "interval anchor")
        object.__setattr__(self, "anchor", anchor.astimezone(UTC).replace(microsecond=0))


@dataclass(frozen=True, kw_only=True)
class AfterTrigger:
    """Fire once for each successful run of the upstream schedule; it has no clock time.

    People name the upstream (`upstream`); the service resolves the name to `upstream_id` when
    the schedule is saved, and keeps the name current when the upstream is renamed."""

    kind: Literal["after"] = "after"
    upstream: str = ""
    upstream_id: int | None = None

    def __post_init__(self) -> None:
        name, ident = self.upstream, self.upstream_id
        if not isinstance(name, str):
            raise InvalidInput("after", f"upstream {name!r} is not a schedule name.")
        if ident is not None and (isinstance(ident, bool) or not isinstance(ident, int)):
            raise InvalidInput("after", f"upstream id {ident!r} is not a whole number.")
        name = upstream_spelling(name)
        if not name and ident is None:
            raise InvalidInput(
                "after", "an after trigger needs the name of the schedule it runs after."
            )
        object.__setattr__(self, "upstream", name)


Trigger = OnceTrigger | CronTrigger | IntervalTrigger | AfterTrigger
CLOCK_TRIGGERS = (OnceTrigger, CronTrigger, IntervalTrigger)
_MODELS: dict[str, type[Trigger]] = {
    "once": OnceTrigger,
    "cron": CronTrigger,
    "interval": IntervalTrigger,
    "after": AfterTrigger,
}


def _malformed(detail: str) -> InvalidInput:
    return InvalidInput(
        "trigger",
        f"trigger is not valid ({detail}); give kind 'once', 'cron', 'interval' or 'after' with "
        "its fields.",
    )


def _stored_datetime(name: str, value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        with suppress(ValueError):
            return datetime.fromisoformat(value)
    raise _malformed(f"{name}: {value!r} is not an ISO date and time")


def trigger_from_data(data: Any) -> Trigger:
    """A trigger from its stored JSON-able dict (or JSON text, or a trigger); InvalidInput when
    malformed."""
    if isinstance(data, OnceTrigger | CronTrigger | IntervalTrigger | AfterTrigger):
        return data
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except ValueError:
            raise _malformed("not JSON") from None
    if not isinstance(data, dict):
        raise _malformed(f"expected an object, got {type(data).__name__}")
    kind = data.get("kind")
    if kind not in _MODELS:
        raise _malformed(f"kind: {kind!r} is not one of 'once', 'cron', 'interval', 'after'")
    model = _MODELS[kind]
    allowed = {f.name for f in fields_of(model)} - {"kind"}
    extra = sorted(set(data) - allowed - {"kind"})
    if extra:
        raise _malformed(f"{extra[0]}: not a field of a {kind} trigger")
    required = [f.name for f in fields_of(model) if f.default is MISSING]
    missing = [name for name in required if name not in data]
    if missing:
        raise _malformed(f"{missing[0]}: field required")
    given = {name: data[name] for name in allowed if name in data}
    for name in ("fire_at", "anchor"):
        if given.get(name) is not None:
            given[name] = _stored_datetime(name, given[name])
    if kind == "cron" and not isinstance(given["expr"], str):
        raise _malformed(f"expr: {given['expr']!r} is not text")
    if kind == "interval" and (
        isinstance(given["every_seconds"], bool) or not isinstance(given["every_seconds"], int)
    ):
        raise _malformed(f"every_seconds: {given['every_seconds']!r} is not a whole number")
    return model(**given)


def trigger_to_data(trigger: Trigger) -> dict[str, Any]:
    """The JSON-able dict stored in the database for `trigger`."""
    if isinstance(trigger, OnceTrigger):
        return {"kind": "once", "fire_at": iso_utc(trigger.fire_at)}
    if isinstance(trigger, CronTrigger):
        return {"kind": "cron", "expr": trigger.expr}
    if isinstance(trigger, AfterTrigger):
        return {"kind": "after", "upstream": trigger.upstream, "upstream_id": trigger.upstream_id}
    anchor = None if trigger.anchor is None else iso_utc(trigger.anchor)
    return {"kind": "interval", "every_seconds": trigger.every_seconds, "anchor": anchor}


def once(fire_at: str | datetime) -> OnceTrigger:
    """A once trigger from 'YYYY-MM-DD HH:MM' text or a naive datetime."""
    local = parse_local_datetime(fire_at) if isinstance(fire_at, str) else fire_at
    return OnceTrigger(kind="once", fire_at=local)


def cron(expr: str) -> CronTrigger:
    """A cron trigger from a 5-field expression or alias."""
    return CronTrigger(kind="cron", expr=expr)


def interval(every: str | int, anchor: datetime | None = None) -> IntervalTrigger:
    """An interval trigger from text like '15m' or a number of seconds."""
    if isinstance(every, bool) or not isinstance(every, str | int):
        raise InvalidInput("every", f"interval {every!r} is not valid; {_INTERVAL_HINT}.")
    seconds = parse_interval(every) if isinstance(every, str) else _check_interval_seconds(every)
    return IntervalTrigger(kind="interval", every_seconds=seconds, anchor=anchor)


def after(upstream: str) -> AfterTrigger:
    """An after trigger on the schedule named `upstream` (resolved when the schedule is saved)."""
    return AfterTrigger(kind="after", upstream=upstream)
