"""Plain-text rendering of core views for the command line. Every cell and value passes through
`printable`, so stored text cannot steer the terminal it is printed on."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from rich.cells import cell_len, set_cell_size

from core.text import printable

if TYPE_CHECKING:  # the command line imports this module before it knows it needs the core
    from core.schedules.run_history import RunDetail, RunRow, ScheduleRef
    from core.schedules.scenario import Step
    from core.schedules.step_runs import StepRunInfo
    from core.schedules.views import RunInfo, ScheduleDetail, ScheduleInfo

GAP = 2  # spaces between table columns
# What `amx schedule list` gives up first in a narrow terminal; the name keeps the most.
SCHEDULE_SHRINK = (("STEPS", 12), ("LLM", 5), ("RULE", 8), ("SCOPE", 10), ("NAME", 12))
# The width from which `amx schedule list` has room for its STEPS column.
STEPS_FROM = 120
# Settings a step line leaves out: they show as the line's marks.
_MARKED = ("kind", "name", "parallel", "transactional")


def local_time(at: datetime | None, zone: str, *, with_zone: bool = True) -> str:
    """`2026-11-23 09:00 Asia/Jakarta`, or `—` when there is no time."""
    if at is None:
        return "—"
    text = at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    return f"{text} {zone}" if with_zone else text


def local_time_marked(at: datetime | None, zone: str) -> str:
    """`2026-11-23 09:00 WIB`: the time in `zone` with the zone's abbreviation at that moment
    (its name where it has none), for a table whose rows are in different zones."""
    from studio_tui.time_words import zone_abbreviation

    if at is None:
        return "—"
    return f"{local_time(at, zone, with_zone=False)} {zone_abbreviation(zone, at)}"


def clip(text: str, width: int) -> str:
    """`text`, its controls escaped, cut to `width` terminal cells with an ellipsis."""
    text = printable(text)
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)) + "…" if width > 0 else ""


def readable_url(url: str) -> str:
    """`url` with its query's percent-escapes decoded (`?attach=sales:/data/sales.db`), as
    people write it; for showing, not for connecting."""
    from urllib.parse import unquote

    head, mark, query = url.partition("?")
    return head + mark + unquote(query)


def waits_on(s: ScheduleInfo) -> str | None:
    """The name of the schedule whose next success runs `s`, when `s` runs after another that
    is still there and has no fire time of its own (none pending: a retry has one); else
    None."""
    from core.schedules.rule_text import is_orphaned
    from core.schedules.status import Status
    from core.schedules.triggers import AfterTrigger

    trigger = s.trigger
    if s.next_fire_at is not None or not isinstance(trigger, AfterTrigger):
        return None
    if is_orphaned(s.note):
        return None  # its upstream was deleted: it waits on nothing
    if s.status not in (Status.PENDING, Status.PAUSED, Status.RUNNING):
        return None
    return trigger.upstream or f"schedule {trigger.upstream_id}"


def stopped_followers(names: Sequence[str]) -> str:
    """What deleting a schedule does to those that run after it: "2 schedules that run after
    it will not fire until given another upstream: 'a' and 'b'"."""
    from core.text import counted, some_of

    runs = "runs" if len(names) == 1 else "run"
    return (
        f"{counted(len(names), 'schedule')} that {runs} after it will not fire until given "
        f"another upstream: {some_of(names)}"
    )


def fire_line(s: ScheduleInfo) -> tuple[str, str]:
    """("next fire", when); for a Missed schedule ("missed at", the fire time that awaits Run
    now or Skip); for a one-shot that has fired ("was set for", its time); for one that runs
    after another, which has no time of its own, when that one next succeeds."""
    from core.schedules.status import Status
    from core.schedules.triggers import OnceTrigger

    upstream = waits_on(s)
    if upstream is not None:
        return "next fire", f"when «{upstream}» next succeeds"
    if s.next_fire_at is None and isinstance(s.trigger, OnceTrigger):
        return "was set for", f"{s.trigger.fire_at:%Y-%m-%d %H:%M} {s.timezone}"
    if s.status == Status.MISSED:
        return "missed at", local_time(s.next_fire_at, s.timezone)
    return "next fire", local_time(s.next_fire_at, s.timezone)


def fit_widths(
    natural: Sequence[int],
    floors: Sequence[int],
    width: int,
    first: Sequence[tuple[int, int]] = (),
) -> list[int]:
    """Column widths that fit `width` cells with GAP between columns. The (column, floor) pairs
    in `first` give way first, one after the other down to their floor; then every column,
    the widest first, down to `floors` (the table stays wider when the floors are)."""
    widths = list(natural)
    excess = sum(widths) + GAP * (len(widths) - 1) - width
    for column, floor in first:
        cut = max(0, min(excess, widths[column] - max(floor, floors[column])))
        widths[column] -= cut
        excess -= cut
    while excess > 0:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: (widths[i], i))
        widths[widest] -= 1
        excess -= 1
    return widths


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - cell_len(text), 0)


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int | None = None,
    shrink_first: Sequence[tuple[str, int]] = (),
) -> str:
    """An aligned plain-text table, one line a row; controls in cells are escaped. Given a
    `width`, long cells are shortened with … so that each row fits it: first the columns
    named in `shrink_first` (header, narrowest width), in that order, then any."""
    cells = [[printable(cell) for cell in row] for row in rows]
    natural = [cell_len(h) for h in headers]
    for row in cells:
        natural = [max(w, cell_len(c)) for w, c in zip(natural, row, strict=True)]
    widths = natural
    if width is not None:
        widths = fit_widths(
            natural,
            [min(n, max(cell_len(h), 4)) for n, h in zip(natural, headers, strict=True)],
            width,
            [(list(headers).index(h), floor) for h, floor in shrink_first if h in headers],
        )
    gap = " " * GAP
    lines = [
        gap.join(_pad(clip(c, w), w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [list(headers), *cells]
    ]
    return "\n".join(lines)


class ListedRow(Protocol):
    """What the schedule table reads of a schedule: a ScheduleInfo, or the quick list's row."""

    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def next_fire_at(self) -> datetime | None: ...
    @property
    def timezone(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def scope_summary(self) -> str: ...
    @property
    def steps_summary(self) -> str: ...
    @property
    def llm_shown(self) -> str: ...
    @property
    def review_shown(self) -> str: ...


def schedule_rows(items: Sequence[ListedRow], width: int | None = None) -> str:
    """The `amx schedule list` table (with a STEPS column where the width allows)."""
    steps = width is None or width >= STEPS_FROM
    headers = ["ID", "NAME", "STATUS", "NEXT FIRE", "RULE", "SCOPE", "LLM", "REVIEW"]
    headers += ["STEPS"] if steps else []
    rows = [
        [
            str(s.id),
            clip(s.name, 32),
            s.status.capitalize(),
            local_time(s.next_fire_at, s.timezone),
            s.rule,
            clip(s.scope_summary, 40),
            s.llm_shown,
            s.review_shown,
            *([clip(s.steps_summary, 40)] if steps else []),
        ]
        for s in items
    ]
    return table(headers, rows, width, shrink_first=SCHEDULE_SHRINK)


def run_rows(runs: Sequence[RunInfo], zone: str, width: int | None = None) -> str:
    """A table of runs, newest first."""
    headers = ["RUN", "SCHEDULED FOR", "TRIGGER", "TRY", "STATUS", "DURATION", "NOTE"]
    rows = [
        [
            str(r.id),
            local_time(r.scheduled_for, zone, with_zone=False),
            r.trigger,
            str(r.attempt),
            r.status,
            "—" if r.duration_s is None else f"{r.duration_s:.1f}s",
            clip(r.error or r.note or "", 60),
        ]
        for r in runs
    ]
    return table(headers, rows, width, shrink_first=(("NOTE", 12),))


def _setting(value: object) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def step_line(position: int, step: Step, width: int | None = None) -> str:
    """One step of a scenario: position, kind, parallel mark (∥) and its key settings."""
    from core.schedules.scenario.model import step_data

    data = {k: v for k, v in step_data(step).items() if k not in _MARKED}
    # A command reads best as a shell would show it.
    argv = data.pop("argv", None)
    shown = [shlex.join(str(v) for v in argv)] if isinstance(argv, list) else []
    settings = " ".join(shown + [f"{k}={_setting(v)}" for k, v in data.items()])
    name = f" {step.name!r}" if step.name else ""
    mark = "∥" if step.parallel else " "
    text = f"{position:>3}. {mark} {step.kind}{name}  {settings}".rstrip()
    return clip(text, width) if width else printable(text)


def scenario_lines(s: ScheduleInfo, width: int | None = None) -> list[str]:
    """The scenario's sections, a line a step (∥ marks steps that run in parallel)."""
    from core.schedules.scenario import SECTIONS

    lines: list[str] = []
    for section in SECTIONS:
        steps: list[Step] = list(getattr(s, section))
        if not steps:
            continue
        lines.append(f"{section.replace('_', ' ')}:")
        lines += [step_line(i + 1, step, width) for i, step in enumerate(steps)]
    return lines


def step_run_rows(steps: Sequence[StepRunInfo], width: int | None = None) -> str:
    """A table of a run's step runs."""
    headers = ["STEP", "KIND", "STATUS", "TRY", "DURATION", "ERROR"]
    rows = [
        [
            ("" if s.section == "steps" else f"{s.section} ") + str(s.position + 1),
            s.label if s.label == s.kind else f"{s.kind} {s.label!r}",
            s.status + (" (carried)" if s.carried_from else ""),
            str(s.attempt),
            "—" if s.duration_s is None else f"{s.duration_s:.1f}s",
            clip(s.error or "", 60),
        ]
        for s in steps
    ]
    return table(headers, rows, width, shrink_first=(("ERROR", 12), ("KIND", 10)))


def _indented(text: str, by: str = "  ") -> list[str]:
    return [by + line for line in text.splitlines()]


def detail(
    d: ScheduleDetail,
    width: int | None = None,
    step_runs: dict[int, list[StepRunInfo]] | None = None,
) -> str:
    """`amx schedule show`: the configuration, the scenario's steps, then the latest runs with
    the step runs of those in `step_runs`."""
    s = d.schedule
    pairs = [
        ("id", str(s.id)),
        ("name", s.name),
        ("status", s.status.capitalize()),
        ("trigger", s.rule),
        fire_line(s),
        ("timezone", s.timezone),
    ]
    if s.template_slug:  # an instance of a template
        values = ", ".join(f"{k}={v}" for k, v in (s.template_params or {}).items())
        origin = f"{s.template_slug} for {s.template_profile}" + (f" ({values})" if values else "")
        pairs.insert(2, ("template", origin))
    if s.db_profile:  # a scenario on a DB profile: its lead step's settings
        pairs += [
            ("db profile", s.db_profile),
            ("database", s.database or "(the profile's default)"),
            ("scope", s.scope_summary),
        ]
    if s.llm_profile:  # a scenario that analyses
        pairs += [("llm profile", s.llm_shown), ("review", s.review_shown)]
    pairs += [
        ("missed policy", s.missed_policy.replace("_", "-")),
        ("misfire grace", f"{s.misfire_grace_s}s"),
        ("retries", f"{s.retry_count} of {s.max_retries}"),
        ("version", str(s.version)),
        ("created", local_time(s.created_at, s.timezone)),
        ("updated", local_time(s.updated_at, s.timezone)),
    ]
    if s.note:
        pairs.append(("note", s.note))
    keys = max(len(k) for k, _ in pairs)
    lines = [f"{k.ljust(keys)}  {printable(v)}" for k, v in pairs]
    lines.append("")
    lines += scenario_lines(s, width)
    shown = len(d.runs)
    lines.append("")
    if shown:
        lines.append(f"runs (latest {shown} of {d.runs_total}):")
        lines.append(run_rows(d.runs, s.timezone, width))
    else:
        lines.append("no runs yet")
    for run in d.runs:
        steps = (step_runs or {}).get(run.id)
        if steps:
            lines += ["", f"run {run.id} ({run.status}), its steps:"]
            lines += _indented(step_run_rows(steps, width - 2 if width else None))
    return "\n".join(lines)


def schedule_ref_line(ref: ScheduleRef) -> str:
    """`schedule 4 'nightly'`, with `(deleted …)` for a deleted one."""
    text = f"schedule {ref.id} {printable(ref.name)!r}"
    if ref.deleted_at is not None:
        text += f" (deleted {local_time(ref.deleted_at, ref.timezone)})"
    return text


def history_rows(items: Sequence[RunRow], width: int | None = None) -> str:
    """The `amx runs list` table, newest first."""
    headers = ["RUN", "SCHEDULE", "SCHEDULED FOR", "STATUS", "TOOK", "STEPS"]
    rows = [
        [
            str(r.run.id),
            f"{r.schedule.id} {r.schedule.name}" + (" (deleted)" if r.schedule.deleted else ""),
            local_time_marked(r.run.scheduled_for, r.schedule.timezone),
            r.run.status + (f" (try {r.run.attempt})" if r.run.attempt > 1 else ""),
            "—" if r.run.duration_s is None else f"{r.run.duration_s:.1f}s",
            r.steps_summary or "—",
        ]
        for r in items
    ]
    return table(headers, rows, width, shrink_first=(("STEPS", 12), ("SCHEDULE", 14)))


def run_detail(d: RunDetail, width: int | None = None) -> str:
    """`amx runs show`: the run, its step runs, and each step's log."""
    r, zone = d.run, d.schedule.timezone
    pairs = [
        ("run", str(r.id)),
        ("schedule", schedule_ref_line(d.schedule).removeprefix("schedule ")),
        ("status", r.status),
        ("trigger", r.trigger),
        ("attempt", str(r.attempt)),
        ("scheduled for", local_time(r.scheduled_for, zone)),
        ("started", local_time(r.started_at, zone)),
        ("finished", local_time(r.finished_at, zone)),
        ("duration", "—" if r.duration_s is None else f"{r.duration_s:.1f}s"),
        ("worker", r.worker_id or "—"),
    ]
    if r.error:
        pairs.append(("error", r.error))
    if r.note:
        pairs.append(("note", r.note))
    keys = max(len(k) for k, _ in pairs)
    lines = [f"{k.ljust(keys)}  {printable(v)}" for k, v in pairs]
    if d.steps:
        lines += ["", "steps:", step_run_rows([s.step for s in d.steps], width)]
    for s in d.steps:
        step = s.step
        where = "" if step.section == "steps" else f"{step.section} "
        lines += ["", f"log of step {where}{step.position + 1} ({step.label}, {step.status}):"]
        if step.error:
            lines.append(f"  error: {printable(step.error)}")
        lines += [_log_line(line.at, line.level, line.text, zone) for line in s.log] or [
            "  (empty)"
        ]
    if d.log:
        lines += ["", "the run's own log:"]
        lines += [_log_line(line.at, line.level, line.text, zone) for line in d.log]
    return "\n".join(lines)


def _log_line(at: datetime, level: str, text: str, zone: str) -> str:
    when = at.astimezone(ZoneInfo(zone)).strftime("%H:%M:%S")
    mark = "" if level == "info" else f"{level.upper()}: "
    return f"  {when} {mark}{printable(text)}"
