"""Triggers: when a schedule fires, and how wall-clock rules meet DST.

Rules (the documented contract):

* ``once`` fires at a naive local wall-clock time in the schedule's zone. A wall time that does
  not exist (inside a spring-forward gap) is refused; an ambiguous one (fall-back) resolves to
  its FIRST occurrence.
* ``cron`` is evaluated on local wall-clock time, then mapped to UTC. A wall time inside a gap
  fires at the first valid instant after the gap; an ambiguous wall time fires once, at its first
  occurrence. Exception, as Vixie cron does for "wildcard" jobs: when the hour field covers every
  hour (``*``), the cron follows real elapsed time, so wall times in the repeated hour fire in both
  occurrences and wall times inside a gap are skipped (they never happen).
* ``interval`` is pure UTC arithmetic from its anchor (``anchor + k * every``), DST-independent.
* ``after`` has no clock time: it fires once for each successful run of its upstream schedule.

Fire times are returned as aware UTC datetimes, strictly increasing, without duplicates.
"""

from core.schedules.rule_text import format_interval
from core.schedules.triggers.cron import CRON_ALIASES
from core.schedules.triggers.describe import describe_after, describe_cron
from core.schedules.triggers.dst import dst_note
from core.schedules.triggers.fire_times import (
    describe,
    kept_once,
    next_fire_time,
    next_fire_times,
    validate_once_in_future,
)
from core.schedules.triggers.intervals import (
    MAX_INTERVAL_SECONDS,
    MIN_INTERVAL_SECONDS,
    parse_interval,
)
from core.schedules.triggers.model import (
    CLOCK_TRIGGERS,
    AfterTrigger,
    CronTrigger,
    IntervalTrigger,
    OnceTrigger,
    Trigger,
    after,
    cron,
    interval,
    once,
    trigger_from_data,
    trigger_to_data,
)
from core.schedules.triggers.parse import (
    TRIGGER_KINDS,
    TriggerKind,
    parse_fire_at,
    parse_start,
    parse_trigger,
)
from core.schedules.triggers.zones import default_zone_name, localize, parse_local_datetime, zone

__all__ = [
    "CLOCK_TRIGGERS",
    "CRON_ALIASES",
    "MAX_INTERVAL_SECONDS",
    "MIN_INTERVAL_SECONDS",
    "TRIGGER_KINDS",
    "AfterTrigger",
    "CronTrigger",
    "IntervalTrigger",
    "OnceTrigger",
    "Trigger",
    "TriggerKind",
    "after",
    "cron",
    "default_zone_name",
    "describe",
    "describe_after",
    "describe_cron",
    "dst_note",
    "format_interval",
    "interval",
    "kept_once",
    "localize",
    "next_fire_time",
    "next_fire_times",
    "once",
    "parse_fire_at",
    "parse_interval",
    "parse_local_datetime",
    "parse_start",
    "parse_trigger",
    "trigger_from_data",
    "trigger_to_data",
    "validate_once_in_future",
    "zone",
]
