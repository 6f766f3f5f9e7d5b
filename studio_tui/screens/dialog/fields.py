"""The dialog's form fields: laid out once, read into the core's `ScheduleForm`, filled from a
schedule.  Widget ids are the field names the rest of the dialog queries."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, RadioSet, Select, Static

from core.catalog.scope import ScopePath, as_texts
from core.schedules.form import TRIGGER_FIELD, ScheduleForm
from core.schedules.triggers import (
    AfterTrigger,
    CronTrigger,
    IntervalTrigger,
    format_interval,
)
from core.schedules.views import ScheduleInfo
from core.schedules.zone_default import proposed_zone_name

ZONES = sorted(available_timezones())
KINDS = [
    ("Once, at a time", "once"),
    ("Cron rule", "cron"),
    ("Every interval", "interval"),
    ("After another schedule", "after"),
]
MISSED = [("Ask me", "ask"), ("Skip it", "skip"), ("Run once, late", "run_once")]
# Which widget shows the core's error for each field the core names, in the form's order.
FIELD_WIDGET = {
    "name": "name", "timezone": "timezone", "fire_at": "fire_at", "cron": "cron",
    "every": "every", "start": "start", "trigger": "fire_at", "anchor": "start", "after": "after",
    "db_profile": "db_profile", "database": "database", "scope": "scope",
    "llm_profile": "llm_profile", "review_strategy": "review", "missed_policy": "missed_policy",
    "misfire_grace_s": "grace", "max_retries": "retries", "steps": "steps",
}  # fmt: skip


def start_text(info: ScheduleInfo | None) -> str:
    """An edited interval's start, as local wall time in its zone."""
    if info is None or not isinstance(info.trigger, IntervalTrigger) or info.trigger.anchor is None:
        return ""
    return f"{info.trigger.anchor.astimezone(ZoneInfo(info.timezone)):%Y-%m-%d %H:%M}"


def compose_fields(
    e: ScheduleInfo | None, example: str, scope_label: str, steps: Widget
) -> ComposeResult:
    """Every field of the form, filled from `e` (or the defaults), with an error line under each.

    Args:
        e: The schedule being edited, or None for a new one.
        example: A future fire-at time in the chosen zone, shown as the hint.
        scope_label: The scope tree's label, naming its keys.
        steps: The Steps section, last, so the fields before it keep their order.
    """
    trigger = e.trigger if e else None
    kind = trigger.kind if trigger else "once"
    yield Label("Name")
    yield Input(e.name if e else "", placeholder="e.g. Nightly PII sweep", id="name")
    yield Static(classes="error", id="err-name")
    with Horizontal(classes="row"):
        with Vertical():
            yield Label("Trigger")
            yield Select(KINDS, value=kind, allow_blank=False, id="kind")
        with Vertical():
            yield Label("Timezone")
            yield Input(
                e.timezone if e else proposed_zone_name(),
                suggester=SuggestFromList(ZONES, case_sensitive=False),
                id="timezone",
            )
            yield Static(classes="error", id="err-timezone")
    yield Label(f"Fire at (local): {example}, +1h, tomorrow 09:00", classes="trigger once")
    fire_at = (
        trigger.fire_at.strftime("%Y-%m-%d %H:%M") if trigger and trigger.kind == "once" else ""
    )
    yield Input(fire_at, placeholder=example, id="fire_at", classes="trigger once")
    yield Static(classes="error", id="err-fire_at")
    yield Label(
        "Cron rule (minute hour day month weekday), e.g. 0 9 * * 1-5", classes="trigger cron"
    )
    expr = trigger.expr if isinstance(trigger, CronTrigger) else ""
    yield Input(expr, placeholder="0 2 * * *", id="cron", classes="trigger cron")
    yield Static(classes="error", id="err-cron")
    with Horizontal(classes="row trigger interval"):
        with Vertical():
            yield Label("Every (15m, 2h, 1d)")
            every = (
                format_interval(trigger.every_seconds)
                if isinstance(trigger, IntervalTrigger)
                else ""
            )
            yield Input(every, placeholder="1h", id="every")
            yield Static(classes="error", id="err-every")
        with Vertical():
            yield Label("Starting (local; empty: when saved)")
            yield Input(start_text(e), placeholder=example, id="start")
            yield Static(classes="error", id="err-start")
    yield Label(
        "After (runs once each time this schedule succeeds; type its name)",
        classes="trigger after",
    )
    upstream = trigger.upstream if isinstance(trigger, AfterTrigger) else ""
    yield Input(upstream, placeholder="nightly", id="after", classes="trigger after")
    yield Static(classes="error", id="err-after")
    yield Static("", id="preview")
    with Horizontal(classes="row"):
        with Vertical():
            yield Label("DB profile")
            yield Select[str]([], prompt="choose a profile", id="db_profile")
            yield Static(classes="error", id="err-db_profile")
        with Vertical():
            yield Label("Database / catalog")
            yield Select[str]([], prompt="choose a database", id="database")
            yield Static(classes="error", id="err-database")
    yield Label(scope_label, markup=False)
    yield Vertical(id="scope-box")
    yield Static("", id="scope-summary")
    yield Static(classes="error", id="err-scope")
    with Horizontal(classes="row"):
        with Vertical():
            yield Label("LLM profile")
            yield Select[str]([], prompt="choose", id="llm_profile")
            yield Static(classes="error", id="err-llm_profile")
        with Vertical():
            yield Label("Review (manual queues)")
            with RadioSet(id="review"):
                manual = not e or e.review_strategy == "manual"
                yield RadioButton("Manual", value=manual, id="manual")
                yield RadioButton("Auto", value=not manual, id="auto")
            yield Static(classes="error", id="err-review")
    with Horizontal(classes="row"):
        with Vertical():
            yield Label("If missed")
            policy = e.missed_policy if e else "ask"
            yield Select(MISSED, value=policy, allow_blank=False, id="missed_policy")
            yield Static(classes="error", id="err-missed_policy")
        with Vertical():
            yield Label("Grace (late ok)")
            grace = format_interval(e.misfire_grace_s) if e else "1m"
            yield Input(grace, placeholder="1m", id="grace")
            yield Static(classes="error", id="err-grace")
        with Vertical():
            yield Label("Retries (0-20)")
            retries = str(e.max_retries) if e else "3"
            yield Input(retries, placeholder="3", id="retries")
            yield Static(classes="error", id="err-retries")
    yield steps
    yield Static(classes="error", id="err-form")


def read_form(root: DOMNode, ticked: frozenset[ScopePath]) -> ScheduleForm:
    """What the person typed and chose in the fields under `root`, as the core's form."""

    def chosen(select_id: str) -> str | None:
        value = root.query_one(f"#{select_id}", Select).value
        return value if isinstance(value, str) else None

    kind = str(root.query_one("#kind", Select).value)
    return ScheduleForm(
        name=root.query_one("#name", Input).value,
        kind=kind,
        when=root.query_one(f"#{TRIGGER_FIELD.get(kind, 'fire_at')}", Input).value,
        timezone=root.query_one("#timezone", Input).value,
        start=root.query_one("#start", Input).value if kind == "interval" else "",
        db_profile=chosen("db_profile"),
        database=chosen("database"),
        scope=as_texts(ticked),
        llm_profile=chosen("llm_profile"),
        review_strategy="auto" if root.query_one("#auto", RadioButton).value else "manual",
        missed_policy=chosen("missed_policy") or "ask",
        grace=root.query_one("#grace", Input).value,
        retries=root.query_one("#retries", Input).value,
    )


def fill_fields(root: DOMNode, info: ScheduleInfo) -> None:
    """Put a schedule's trigger, zone, name and run settings into the fields under `root`."""
    trigger = info.trigger
    root.query_one("#name", Input).value = info.name
    root.query_one("#timezone", Input).value = info.timezone
    root.query_one("#kind", Select).value = trigger.kind
    if trigger.kind == "once":
        root.query_one("#fire_at", Input).value = trigger.fire_at.strftime("%Y-%m-%d %H:%M")
    elif trigger.kind == "cron":
        root.query_one("#cron", Input).value = trigger.expr
    elif trigger.kind == "interval":
        root.query_one("#every", Input).value = format_interval(trigger.every_seconds)
        root.query_one("#start", Input).value = start_text(info)
    elif isinstance(trigger, AfterTrigger):
        root.query_one("#after", Input).value = trigger.upstream
    root.query_one("#missed_policy", Select).value = info.missed_policy
    root.query_one("#grace", Input).value = format_interval(info.misfire_grace_s)
    root.query_one("#retries", Input).value = str(info.max_retries)
    root.query_one(
        "#manual" if info.review_strategy == "manual" else "#auto", RadioButton
    ).value = True
