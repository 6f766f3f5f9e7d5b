"""A schedule's configuration and its runs, newest first, with one run's outcome in full."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from core.api import Core
from core.errors import AmxError
from core.schedules.views import RunInfo, ScheduleDetail
from studio_tui import render
from studio_tui.literal import clipped

PAGE = 100


class DetailsScreen(Screen[None]):
    """Details of one schedule (enter or i on the table)."""

    DEFAULT_CSS = """
    DetailsScreen #config { height: auto; padding: 1 2; background: $surface; }
    DetailsScreen #runs { height: 1fr; }
    DetailsScreen #run { height: auto; max-height: 12; padding: 0 2; background: $panel; }
    DetailsScreen #pager { height: 1; padding: 0 2; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="details.back"),
        Binding("right_square_bracket", "page(1)", "Older runs", id="details.older"),
        Binding("left_square_bracket", "page(-1)", "Newer runs", id="details.newer"),
    ]

    def __init__(self, core: Core, schedule_id: int) -> None:
        super().__init__()
        self.core = core
        self.schedule_id = schedule_id
        self.page_offset = 0
        self.runs: dict[str, RunInfo] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("loading…", id="config")
            table: DataTable[str] = DataTable(id="runs", cursor_type="row", zebra_stripes=True)
            yield table
            yield Static("", id="pager")
            yield Static("", id="run")
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
        table.focus()
        self.load()

    def load(self) -> None:
        self._load(self.page_offset)

    @work(thread=True, exclusive=True)
    def _load(self, offset: int) -> None:
        try:
            detail = self.core.schedules.show(self.schedule_id, runs=PAGE, runs_offset=offset)
        except AmxError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            self.app.call_from_thread(self.app.pop_screen)
            return
        self.app.call_from_thread(self.show, detail)

    def show(self, detail: ScheduleDetail) -> None:
        s = detail.schedule
        lines = render.detail(detail.model_copy(update={"runs": []})).split("\n\n")[0]
        self.query_one("#config", Static).update(Text(lines))
        table = self.query_one("#runs", DataTable)
        table.clear()
        self.runs = {str(r.id): r for r in detail.runs}
        for r in detail.runs:
            table.add_row(
                str(r.id),
                render.local_time(r.scheduled_for, s.timezone, with_zone=False),
                r.trigger,
                str(r.attempt),
                r.status,
                "—" if r.duration_s is None else f"{r.duration_s:.1f}s",
                clipped(self._summary(r), 60),
                key=str(r.id),
            )
        last = self.page_offset + len(detail.runs)
        self.query_one("#pager", Static).update(
            f"runs {self.page_offset + 1 if detail.runs else 0}-{last} of {detail.runs_total}"
            + ("  ·  [ ] older / newer" if detail.runs_total > PAGE else "")
        )
        if detail.runs:
            self.show_run(detail.runs[0])
        else:
            self.query_one("#run", Static).update("No runs yet.")

    @staticmethod
    def _summary(run: RunInfo) -> str:
        if run.error:
            return run.error
        s = run.summary or {}
        if "proposals" in s:
            return (
                f"{s.get('tables', 0)} tables, {s.get('columns', 0)} columns, "
                f"{s.get('proposals', 0)} proposals, {s.get('applied', 0)} applied"
            )
        return run.note or ""

    def show_run(self, run: RunInfo) -> None:
        """One run's outcome in full: its log."""
        text = Text()
        text.append(f"Run {run.id}", style="bold")
        text.append(f" · {run.status} · {run.trigger} · attempt {run.attempt}")
        if run.worker_id:
            text.append(f" · worker {run.worker_id}", style="dim")
        if run.error:
            text.append("\nerror ", style="bold")
            text.append(run.error)
        if run.note:
            text.append(f"\nnote: {run.note}")
        if run.summary:
            errors = run.summary.get("errors") or []
            brief = {k: v for k, v in run.summary.items() if k not in ("errors", "missing")}
            text.append("\n" + ", ".join(f"{k} {v}" for k, v in brief.items()), style="dim")
            for item in errors:
                where, why = (
                    (item["table"], item["error"]) if isinstance(item, dict) else ("", item)
                )
                text.append(f"\n  failed {where}: {why}" if where else f"\n  failed: {why}")
        self.query_one("#run", Static).update(text)

    @on(DataTable.RowHighlighted, "#runs")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        run = self.runs.get(str(event.row_key.value))
        if run is not None:
            self.show_run(run)

    def action_page(self, step: int) -> None:
        offset = self.page_offset + step * PAGE
        if offset >= 0:
            self.page_offset = offset
            self.load()


__all__ = ["DetailsScreen", "Horizontal"]
