"""The trigger preview: the rule read aloud, the next three fire times in the chosen zone and a
DST note, and the trigger's refusals by field, as the person types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from core.schedules.form import TRIGGER_FIELD, ScheduleForm, check_trigger
from core.schedules.triggers import (
    AfterTrigger,
    CronTrigger,
    Trigger,
    describe_cron,
    dst_note,
    next_fire_times,
)

# The fields a change to the trigger's text or zone can refuse (checked as the person types).
TRIGGER_FIELDS = ("timezone", "fire_at", "cron", "every", "start", "after")


@dataclass(frozen=True)
class TriggerPreview:
    """What the preview line shows, and the sentence (or None) beside each trigger field."""

    text: str
    problems: dict[str, str | None]


def trigger_preview(
    form: ScheduleForm, now: datetime, kept: tuple[Trigger, str] | None = None
) -> TriggerPreview:
    """Read the form's trigger at `now`: its next fire times, or why it cannot fire (`kept`
    as for check_trigger)."""
    trigger, problems = check_trigger(form, now, kept)
    typed = TRIGGER_FIELD.get(form.kind, "fire_at")
    if not form.when.strip():
        problems.pop(typed, None)  # nothing typed yet is not a mistake
    shown = {field: problems.get(field) for field in TRIGGER_FIELDS}
    if isinstance(trigger, AfterTrigger):
        return TriggerPreview(f"runs once after each successful run of {trigger.upstream!r}", shown)
    if trigger is None and form.kind == "after":
        return TriggerPreview("" if problems else "name the schedule it runs after", shown)
    if trigger is None:
        hint = "type a time" if form.kind == "once" else "type a rule"
        text = "" if problems else f"next: — ({hint} to see the next fire times)"
        return TriggerPreview(text, shown)
    tz = form.timezone.strip()
    times = next_fire_times(trigger, tz, now, 3)
    lines = []
    if isinstance(trigger, CronTrigger):
        lines.append(describe_cron(trigger.expr))
    fires = ", ".join(f"{t.astimezone(ZoneInfo(tz)):%a %Y-%m-%d %H:%M}" for t in times)
    lines.append(f"next: {fires} {tz}" if times else "next: — (that time has passed)")
    note = dst_note(trigger, tz, now)
    if note:
        lines.append(f"DST: {note}")
    return TriggerPreview("\n".join(lines), shown)
