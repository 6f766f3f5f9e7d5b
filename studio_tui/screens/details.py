"""A schedule's configuration and its runs, newest first, with one run's outcome and its log,
followed live while that run is going."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, RichLog, Static

from core.analysis.counts import analysis_counts
from core.api import Core
from core.errors import AmxError
from core.schedules.run_log import LogLine
from core.schedules.status import RunStatus
from core.schedules.step_runs import StepRunInfo
from core.schedules.views import RunInfo, ScheduleDetail, ScheduleInfo
from core.text import printable
from studio_tui import render
from studio_tui.keys import key_label
from studio_tui.literal import clipped

PAGE = 100
_GOING = (RunStatus.RUNNING, RunStatus.QUEUED)
_LEVEL_STYLES = {"info": "dim", "warning": "bold yellow", "error": "bold red"}
_STEP_STYLES = {"failed": "bold red", "succeeded": "green", "rolled_back": "yellow"}


def _not_run(s: ScheduleInfo) -> Text:
    """What a schedule that has never run says in place of a run: when it may first."""
    label, when = render.fire_line(s)
    if s.next_fire_at is None and render.waits_on(s) is None:
        return Text("It has not run.")
    return Text(f"It has not run yet: {label} {when}.")


def config_text(s: ScheduleInfo) -> Text:
    """The schedule's configuration in four lines (five with a note), each cut to one row."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(printable(s.name), style="bold")
    text.append(f" · {s.status.capitalize()} · id {s.id} · version {s.version}")
    label, when = render.fire_line(s)
    # A schedule that waits on another's success has no fire time its rule does not say.
    waits = render.waits_on(s) is not None
    rows = [
        ("trigger", printable(s.rule) + ("" if waits else f" · {label} {when}")),
        (
            "scope",
            f"{printable(s.scope_summary)} · DB profile {printable(s.db_profile)}"
            + (f" · database {printable(s.database)}" if s.database else ""),
        ),
        (
            "llm",
            f"{printable(s.llm_shown)} · review {s.review_shown} · missed "
            f"{s.missed_policy.replace('_', '-')} · grace {s.misfire_grace_s}s · retries "
            f"{s.retry_count} of {s.max_retries}",
        ),
    ]
    if len(s.steps) > 1 or s.on_failure or s.on_missed:
        rows.append(("steps", steps_line(s)))
    if s.note:
        rows.append(("note", printable(s.note)))
    for key, value in rows:
        text.append(f"\n{key:<8}", style="dim")
        text.append(value)
    return text


def steps_line(s: ScheduleInfo) -> str:
    """The scenario in one line: each step's kind (∥ before a parallel one), then the steps that
    run on failure and when missed."""
    said = " → ".join(("∥ " if step.parallel else "") + printable(step.label) for step in s.steps)
    for title, steps in (("on failure", s.on_failure), ("on missed", s.on_missed)):
        if steps:
            said += f" · {title}: " + ", ".join(printable(step.label) for step in steps)
    return said


def step_cells(step: StepRunInfo, error_width: int) -> tuple[object, ...]:
    """A step run's row: place, kind (or name), status, attempt, duration, error."""
    place = str(step.position + 1) if step.section == "steps" else step.section.replace("_", " ")
    color = _STEP_STYLES.get(step.status, "")
    took = "—" if step.duration_s is None else f"{step.duration_s:.1f}s"
    return (
        place,
        clipped(step.label, 18),
        Text(step.status, style=color),
        str(step.attempt) + (" (carried)" if step.carried_from else ""),
        took,
        clipped(step.error or "", error_width),
    )


def step_heading(step: StepRunInfo) -> Text:
    """The first line of a step's own log: which step, how it went."""
    text = Text(style="bold")
    text.append(f"step {step.position + 1} {printable(step.label)} · {step.status}")
    text.append(f" · attempt {step.attempt}")
    if step.error:
        text.append(f" · {printable(step.error)}", style="bold red")
    return text


def run_text(run: RunInfo) -> Text:
    """One run's outcome: what it was, its error, its counts."""
    text = Text(end="")
    text.append(f"Run {run.id}", style="bold")
    text.append(f" · {run.status} · {run.trigger} · attempt {run.attempt}")
    if run.duration_s is not None:
        text.append(f" · {run.duration_s:.1f}s")
    if run.worker_id:
        text.append(f" · worker {printable(run.worker_id)}", style="dim")
    if run.error:
        text.append("\nerror ", style="bold")
        text.append(printable(run.error))
    s = run.summary or {}
    if "tables" in s:
        text.append(
            f"\n{analysis_counts(s)}",
            style="dim",
        )
    return text


def log_text(line: LogLine, zone: str) -> Table:
    """One log line: local time of day, level, text (controls escaped, never markup); a long
    text wraps under its own start, so that time and level stand clear on the left."""
    row = Table.grid(padding=(0, 1))
    row.add_column(no_wrap=True)
    row.add_column(no_wrap=True, min_width=7)
    row.add_column(overflow="fold")
    row.add_row(
        Text(f"{line.at.astimezone(ZoneInfo(zone)):%H:%M:%S}", "dim"),
        Text(line.level, _LEVEL_STYLES.get(line.level, "")),
        Text(printable(line.text)),
    )
    return row


def _no_lines(run: RunInfo) -> str:
    if run.status in _GOING:
        return "no lines yet; they appear as the run goes"
    if run.started_at is None:
        return "this run never started, so it has no log"
    return "this run wrote no log (runs before this version kept none)"


class DetailsScreen(Screen[None]):
    """Details of one schedule (enter or i on the table)."""

    DEFAULT_CSS = """
    DetailsScreen #config { height: auto; padding: 0 1; background: $surface; }
    DetailsScreen #runs { height: auto; max-height: 40%; min-height: 3; }
    DetailsScreen #pager { height: 1; padding: 0 1; color: $text-muted; }
    DetailsScreen #run { height: auto; max-height: 4; padding: 0 1; background: $panel; }
    DetailsScreen #steps { display: none; height: auto; max-height: 8; }
    DetailsScreen.-with-steps #steps { display: block; }
    DetailsScreen #log {
        height: 1fr; min-height: 3; padding: 0 1; background: $panel; overflow-y: auto;
        scrollbar-gutter: stable;  /* lines wrap short of the scrollbar that long logs grow */
    }
    """
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="details.back"),
        Binding("right_square_bracket", "page(1)", "Older runs", id="details.older"),
        Binding("left_square_bracket", "page(-1)", "Newer runs", id="details.newer"),
        Binding(
            "s",
            "switch_table",
            "Steps",
            tooltip="Step runs / runs (a step's own log)",
            id="details.steps",
        ),
    ]
    POLL_S = 1.0  # how often a going run's log is read again

    def __init__(self, core: Core, schedule_id: int) -> None:
        super().__init__()
        self.core = core
        self.schedule_id = schedule_id
        self.page_offset = 0
        self.runs_total = 0
        self.runs: dict[str, RunInfo] = {}
        self.zone = "UTC"
        self.shown_run: RunInfo | None = None
        self.last_line = 0  # id of the last log line shown
        self.polls = 0
        self._reading = False  # the log pane says "reading the log…"
        self._poller: Timer | None = None
        self.step_runs: dict[str, StepRunInfo] = {}
        self.shown_step: StepRunInfo | None = None  # the log shows this step's lines only

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("loading…", id="config")
            table: DataTable[str] = DataTable(id="runs", cursor_type="row", zebra_stripes=True)
            yield table
            yield Static("", id="pager")
            yield Static("", id="run")
            steps: DataTable[object] = DataTable(id="steps", cursor_type="row")
            yield steps
            yield RichLog(id="log", wrap=True, markup=False, highlight=False, auto_scroll=True)
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        for key, label in (
            ("id", "Run"),
            ("when", "Scheduled for"),
            ("trigger", "Trigger"),
            ("try", "Try"),
            ("status", "Status"),
            ("took", "Duration"),
            ("summary", "Summary / error"),
        ):
            table.add_column(label, key=key)
        steps = self.query_one("#steps", DataTable)
        for key, label in (
            ("at", "#"),
            ("step", "Step"),
            ("status", "Status"),
            ("try", "Try"),
            ("took", "Duration"),
            ("error", "Error"),
        ):
            steps.add_column(label, key=key)
        table.focus()
        self._poller = self.set_interval(self.POLL_S, self._poll)
        self.load()

    def on_unmount(self) -> None:
        if self._poller is not None:
            self._poller.stop()

    def load(self) -> None:
        self._load(self.page_offset)

    @work(thread=True, exclusive=True, description="Load the schedule's details")
    def _load(self, offset: int) -> None:
        try:
            detail = self.core.schedules.show(self.schedule_id, runs=PAGE, runs_offset=offset)
        except AmxError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            self.app.call_from_thread(self.app.pop_screen)
            return
        self.app.call_from_thread(self.show, detail)

    def show(self, detail: ScheduleDetail) -> None:
        s = detail.schedule
        self.zone = s.timezone
        self.query_one("#config", Static).update(config_text(s))
        table = self.query_one("#runs", DataTable)
        table.clear()
        self.runs = {str(r.id): r for r in detail.runs}
        # The other columns take about 62 cells: the summary gets the rest, so no row scrolls.
        summary_width = max(12, self.app.size.width - 64)
        for r in detail.runs:
            table.add_row(
                str(r.id),
                render.local_time(r.scheduled_for, s.timezone, with_zone=False),
                r.trigger,
                str(r.attempt),
                r.status,
                "—" if r.duration_s is None else f"{r.duration_s:.1f}s",
                clipped(self._summary(r), summary_width),
                key=str(r.id),
            )
        last = self.page_offset + len(detail.runs)
        older = key_label(self.app, self.BINDINGS, "details.older")
        newer = key_label(self.app, self.BINDINGS, "details.newer")
        shown = f"runs {self.page_offset + 1}-{last} of {detail.runs_total}" if detail.runs else ""
        if not detail.runs_total:
            shown = "no runs"
        elif not detail.runs:
            shown = f"no more runs: {detail.runs_total} in all"
        self.runs_total = detail.runs_total
        self.refresh_bindings()
        if detail.runs_total > PAGE:
            shown += f"  ·  {older} older / {newer} newer"
        self.query_one("#pager", Static).update(Text(shown))
        if detail.runs:
            self.show_run(detail.runs[0])
        else:
            self.shown_run = None
            self.query_one("#run", Static).update(_not_run(s) if not detail.runs_total else "")
            self.query_one("#log", RichLog).clear()

    @staticmethod
    def _summary(run: RunInfo) -> str:
        if run.error:
            return run.error
        s = run.summary or {}
        if "proposals" in s:
            return analysis_counts(s, tokens=False)
        return run.note or ""

    def show_run(self, run: RunInfo) -> None:
        """One run's outcome in full, and its log (read in a worker)."""
        self.query_one("#run", Static).update(run_text(run))
        if self.shown_run is None or self.shown_run.id != run.id:
            self.shown_run = run
            self._start_log(None)
        else:
            self.shown_run = run
        self._read_steps(run.id)

    def _start_log(self, step: StepRunInfo | None) -> None:
        """Read the shown run's log afresh: all of it, or one step's lines."""
        assert self.shown_run is not None
        self.shown_step = step
        self.last_line = 0
        log = self.query_one("#log", RichLog)
        log.clear()
        if step is not None:
            log.write(step_heading(step))
        log.write(Text("reading the log…", style="dim"))
        self._reading = True
        self._read_log(self.shown_run.id, 0, polling=False, step_run_id=step.id if step else None)

    @work(thread=True, exclusive=True, group="steps", description="Read a run's steps")
    def _read_steps(self, run_id: int) -> None:
        try:
            steps = self.core.runs.steps.of_run(run_id)
        except AmxError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._show_steps, run_id, steps)

    def _show_steps(self, run_id: int, steps: list[StepRunInfo]) -> None:
        """The shown run's step runs (the table hides for a run without any)."""
        if self.shown_run is None or self.shown_run.id != run_id:
            return
        table = self.query_one("#steps", DataTable)
        keep = table.cursor_row
        table.clear()
        self.step_runs = {str(s.id): s for s in steps}
        error_width = max(12, self.app.size.width - 56)
        for step in steps:
            table.add_row(*step_cells(step, error_width), key=str(step.id))
        if steps:
            table.move_cursor(row=min(keep, len(steps) - 1), scroll=False)
        self.set_class(bool(steps), "-with-steps")
        self.refresh_bindings()
        if self.shown_step is not None:
            fresh = self.step_runs.get(str(self.shown_step.id))
            self.shown_step = fresh or self.shown_step

    @work(thread=True, exclusive=True, group="log", description="Read a run's log")
    def _read_log(
        self, run_id: int, after: int, *, polling: bool, step_run_id: int | None = None
    ) -> None:
        try:
            # The status first: once it says the run ended, every line it wrote is there.
            run = self.core.runs.get(run_id) if polling else None
            lines = self.core.runs.log.lines(run_id, after=after, step_run_id=step_run_id)
        except AmxError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._add_lines, run_id, after, lines, run, step_run_id)

    def _add_lines(
        self,
        run_id: int,
        after: int,
        lines: list[LogLine],
        run: RunInfo | None,
        step_run_id: int | None = None,
    ) -> None:
        if self.shown_run is None or self.shown_run.id != run_id or after != self.last_line:
            return  # another run was picked, or these lines came already
        if step_run_id != (self.shown_step.id if self.shown_step else None):
            return  # another step (or the whole run) was picked meanwhile
        log = self.query_one("#log", RichLog)
        if not after and (lines or self._reading):
            self._reading = False
            log.clear()
            if self.shown_step is not None:
                log.write(step_heading(self.shown_step))
            if not lines:
                said = "this step wrote no log" if self.shown_step else _no_lines(self.shown_run)
                log.write(Text(said, style="dim"))
        # Wrapped to the pane as it is now (RichLog would otherwise wrap at its minimum width).
        width = log.scrollable_content_region.width or None
        for line in lines:
            log.write(log_text(line, self.zone), width=width)
        if lines:
            self.last_line = lines[-1].id
        if run is not None and run.status not in _GOING:
            self.load()  # it ended: its row, outcome and the schedule's status change

    def _poll(self) -> None:
        run = self.shown_run
        if run is None or run.status not in _GOING:
            return
        self.polls += 1
        step = self.shown_step.id if self.shown_step else None
        self._read_log(run.id, self.last_line, polling=True, step_run_id=step)
        self._read_steps(run.id)

    @on(DataTable.RowHighlighted, "#runs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        run = self.runs.get(str(event.row_key.value))
        if run is not None:
            self.show_run(run)

    @on(DataTable.RowHighlighted, "#steps")
    def _step_highlighted(self, event: DataTable.RowHighlighted) -> None:
        step = self.step_runs.get(str(event.row_key.value))
        table = self.query_one("#steps", DataTable)
        # Filling the table moves its cursor too: only a person's move picks a step's log.
        if step is None or not table.has_focus or self.shown_run is None:
            return
        if self.shown_step is None or self.shown_step.id != step.id:
            self._start_log(step)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The Steps key is offered (and shown) only for a run that has step runs, the Older
        and Newer runs keys only where there are runs that way."""
        if action == "switch_table":
            return bool(self.step_runs)
        if action == "page":
            return self._may_page(int(str(parameters[0])))
        return True

    def _may_page(self, step: int) -> bool:
        offset = self.page_offset + step * PAGE
        return 0 <= offset < self.runs_total

    def action_switch_table(self) -> None:
        """Between the runs and the shown run's step runs: a step shows its own log, the runs
        the whole run's."""
        steps = self.query_one("#steps", DataTable)
        if steps.has_focus or not self.step_runs:
            self.query_one("#runs", DataTable).focus()
            if self.shown_step is not None and self.shown_run is not None:
                self._start_log(None)
            return
        steps.focus()
        key = None
        if steps.row_count:
            key = steps.coordinate_to_cell_key(steps.cursor_coordinate).row_key.value
        step = self.step_runs.get(str(key))
        if step is not None and self.shown_run is not None:
            self._start_log(step)

    def action_page(self, step: int) -> None:
        if self._may_page(step):
            self.page_offset += step * PAGE
            self.load()


__all__ = ["DetailsScreen"]
