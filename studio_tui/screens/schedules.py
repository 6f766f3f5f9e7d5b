"""The Schedules page: status bar, filter chips, the schedule table and its actions."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import get_current_worker

from core.errors import AmxError, StorageError
from core.schedules.list_order import SortKey
from core.schedules.service import ListQuery
from core.schedules.status import can
from core.schedules.triggers import default_zone_name
from core.schedules.views import ScheduleInfo
from core.text import printable
from studio_tui import render
from studio_tui.keys import key_label
from studio_tui.messages import MissedFound, OpenDetails, OpenDialog, OpenReview, ToggleTicking
from studio_tui.screens.board import Board, first_page, load_board, load_page
from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.shell import Studio
from studio_tui.widgets.chips import CHIPS, Chip, FilterChips
from studio_tui.widgets.schedule_table import ScheduleTable, View, actions_for
from studio_tui.widgets.status_bar import StatusBar

PAGE = 200
SORTS: tuple[SortKey, ...] = ("next_fire_at", "name", "status", "updated_at")


HOOK_WAIT_S = 2.0
# How long the first board waits for the first page's table to be drawn before it loads the rest.
FIRST_PAINT_WAIT_S = 1.0


class SchedulesScreen(Screen[None]):
    """The main page."""

    # When nothing holds focus (the terminal or browser tab lost it while a dialog was open),
    # the table takes it back, not the first focusable widget (the hidden filter box).
    AUTO_FOCUS = "#table"
    DEFAULT_CSS = """
    SchedulesScreen #filter { display: none; height: 3; margin: 0 1; }
    SchedulesScreen #filter.-open { display: block; }
    SchedulesScreen #pager { height: 1; padding: 0 1; color: $text-muted; }
    SchedulesScreen #empty {
        display: none; height: 1fr; content-align: center middle; color: $text-muted;
    }
    SchedulesScreen.-empty #empty { display: block; }
    SchedulesScreen.-empty ScheduleTable { display: none; }
    """
    BINDINGS = [
        Binding("n", "new", "New", id="schedules.new"),
        Binding("e", "edit", "Edit", id="schedules.edit"),
        Binding("p", "pause_resume", "Pause", tooltip="Pause / resume", id="schedules.pause"),
        Binding("r", "run_now", "Run now", id="schedules.run_now"),
        Binding("d,delete", "delete", "Delete", id="schedules.delete"),
        Binding("x", "cancel", "Cancel run", show=False, id="schedules.cancel"),
        Binding("m", "skip", "Skip missed", show=False, id="schedules.skip"),
        Binding("i", "details", "Details", show=False, id="schedules.details"),
        Binding("slash", "filter", "Filter", id="schedules.filter"),
        Binding("v", "review", "Review queue", show=False, id="schedules.review"),
        Binding(
            "a",
            "app.agenda",
            "Agenda",
            show=False,
            tooltip="Agenda of the coming week",
            id="schedules.agenda",
        ),
        Binding(
            "c",
            "app.catalog_cache",
            "Catalog cache",
            show=False,
            tooltip="Catalog cache page",
            id="schedules.cache",
        ),
        Binding(
            "T",
            "app.templates",
            "Templates",
            show=False,
            tooltip="Templates matrix",
            id="schedules.templates",
        ),
        Binding(
            "t",
            "toggle_ticking",
            "Tick here",
            show=False,
            tooltip="Tick here (fire due work)",
            id="schedules.tick",
        ),
        Binding("s", "sort", "Sort", show=False, tooltip="Next sort order", id="schedules.sort"),
        Binding(
            "S",
            "reverse",
            "Reverse sort",
            show=False,
            tooltip="Reverse the sort",
            id="schedules.reverse",
        ),
        Binding(
            "z",
            "zone",
            "Own zones",
            show=False,
            tooltip="Times in each schedule's zone",
            id="schedules.zone",
        ),
        Binding(
            "1",
            "chip('pending')",
            "Pending",
            show=False,
            tooltip="Pending chip",
            id="schedules.chip1",
        ),
        Binding(
            "2", "chip('paused')", "Paused", show=False, tooltip="Paused chip", id="schedules.chip2"
        ),
        Binding(
            "3", "chip('failed')", "Failed", show=False, tooltip="Failed chip", id="schedules.chip3"
        ),
        Binding(
            "4", "chip('missed')", "Missed", show=False, tooltip="Missed chip", id="schedules.chip4"
        ),
        Binding("right_square_bracket", "page(1)", "Next page", show=False, id="schedules.next"),
        Binding("left_square_bracket", "page(-1)", "Prev page", show=False, id="schedules.prev"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="schedules.clear"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.active: frozenset[str] = frozenset()
        self.text = ""
        self.sort: SortKey = "next_fire_at"
        self.descending = False
        self.own_zone = False
        self.viewer_zone = default_zone_name()
        # Runs a person started here: {schedule id: since}; a toast tells how each ended.
        self.watching: dict[int, datetime] = {}
        self.page_offset = 0
        self.board: Board | None = None
        self._first_page_shown = False
        self._missed_shown: frozenset[int] = frozenset()

    @property
    def studio(self) -> Studio:
        return cast("Studio", self.app)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield FilterChips(id="chips")
        yield Input(
            placeholder="filter by name or scope; enter to apply, esc to clear", id="filter"
        )
        yield ScheduleTable(id="table")
        yield Static("", id="empty", markup=False)
        yield Static("", id="pager", markup=False)
        yield Footer(show_command_palette=False, compact=True)

    def key(self, binding_id: str) -> str:
        """The key bound to one of this page's bindings now, as shown to people."""
        return key_label(self.app, self.BINDINGS, binding_id)

    def action_key_labels(self) -> dict[str, str]:
        """Each row action's key, for the table's Actions cells."""
        return {
            "edit": self.key("schedules.edit"),
            "pause": self.key("schedules.pause"),
            "resume": self.key("schedules.pause"),
            "run_now": self.key("schedules.run_now"),
            "skip": self.key("schedules.skip"),
            "cancel": self.key("schedules.cancel"),
            "delete": self.key("schedules.delete"),
            "details": self.key("schedules.details"),
        }

    def chip_keys(self) -> dict[str, str]:
        """The chips' keys and the text filter's, as bound now."""
        keys = {s: self.key(f"schedules.chip{n}") for n, s in enumerate(CHIPS, start=1)}
        return keys | {"filter": self.key("schedules.filter"), "clear": self.key("schedules.clear")}

    def on_mount(self) -> None:
        self.query_one(ScheduleTable).focus()
        self.reload()
        self.set_interval(self.studio.refresh_every, self.reload)
        self.set_interval(1.0, self._tick_clock)

    # -- loading ----------------------------------------------------------------------------

    def list_query(self) -> ListQuery:
        """The list query the chips, text filter, sort and page make."""
        return ListQuery(
            statuses=self.active,
            text=self.text,
            sort=self.sort,
            descending=self.descending,
            offset=self.page_offset,
            limit=PAGE,
            exact_total=False,  # "1000+" for a common text keeps each keystroke's page quick
        )

    def reload(self) -> None:
        """Load the board in a worker; the table updates in place when it arrives."""
        self._load(self.list_query(), None)

    def reload_page(self) -> None:
        """Only the table changed (chips, filter, sort, page): load just the page."""
        self._load(self.list_query(), self.board)

    @work(thread=True, exclusive=True, group="board", description="Load the board")
    def _load(self, query: ListQuery, previous: Board | None) -> None:
        studio = self.studio
        try:
            watched = list(self.watching)
            if previous is not None and previous.firing.hook_installed is None:
                previous = None  # the hook's answer has come in since: load the top bar too
            if previous is None:
                shown = None
                if self.board is None and not self._first_page_shown:
                    shown = self._first_page(query, watched)
                studio.hook_known.wait(HOOK_WAIT_S)  # the first picture says whether it fires
                if get_current_worker().is_cancelled:
                    return  # a newer load (a chip, a filter) took over meanwhile
                board = load_board(
                    studio.core,
                    query,
                    studio.hook,
                    embedded=studio.ticking_here,
                    also=watched,
                    shown=shown,
                )
            else:
                board = load_page(studio.core, query, previous, also=watched)
        except StorageError as exc:
            self.app.call_from_thread(self.show_lost, str(exc))
            return
        self.app.call_from_thread(self._loaded, board, query)

    def _loaded(self, board: Board, query: ListQuery) -> None:
        """Show a loaded board, unless the person has changed the chips, filter, sort or page
        since it was asked for (the load for their change shows its own)."""
        if query == self.list_query():
            self.show_board(board)

    def _first_page(self, query: ListQuery, watched: list[int]) -> Board:
        """In the board's worker: the table first, on its own; the rest of the board (counts,
        the daemon's state, the missed list) is loaded once that table has been drawn, so its
        reads do not slow the drawing down, and keeps this page."""
        page = first_page(self.studio.core, query, also=watched)
        drawn = threading.Event()
        self.app.call_from_thread(self.show_first_page, page, drawn)
        drawn.wait(FIRST_PAINT_WAIT_S)
        return page

    def show_first_page(self, page: Board, drawn: threading.Event) -> None:
        """Put the first page's table on screen (the rest of the board follows); `drawn` is set
        once the screen has been refreshed with it."""
        if self.board is None:
            self._first_page_shown = True
            self._show_table(page)
        self.call_after_refresh(drawn.set)

    def hook_arrived(self) -> None:
        """The daemon hook's state came in: reload if the board on screen was drawn without it
        (a board still loading waits for it, or reloads when it is shown)."""
        if self.board is not None and self.board.firing.hook_installed is None:
            self.reload()

    def show_lost(self, sentence: str) -> None:
        """The database stopped answering: say so once, keep the last board, keep retrying."""
        bar = self.query_one(StatusBar)
        if bar.lost_since is None:
            bar.lost_since = self.studio.clock.now()
            self.notify(sentence, title="Lost the database", severity="error", timeout=10)

    def show_board(self, board: Board) -> None:
        """Put a loaded board on screen."""
        self.board = board
        if board.firing.hook_installed is None and self.studio.hook_known.is_set():
            self.reload()  # the hook's state came in while this board loaded without it
        bar = self.query_one(StatusBar)
        if bar.lost_since is not None:
            bar.lost_since = None
            self.notify("The database answers again.")
        self._show_table(board)
        self._tell_outcomes(board)
        self.query_one(FilterChips).show(self.active, board.counts, self.text, self.chip_keys())
        bar = self.query_one(StatusBar)
        bar.zone = self.viewer_zone
        bar.tick_key = self.key("schedules.tick")
        bar.now = board.now
        bar.firing = board.firing
        missed = frozenset(s.id for s in board.missed)
        if missed and not missed <= self._missed_shown and self.studio.ask_missed:
            self._missed_shown = missed
            self.post_message(MissedFound(board.missed))

    def _show_table(self, board: Board) -> None:
        """The table of a board's page, the empty page's hint and the pager under it."""
        page = board.page
        if not page.items and page.offset > 0 and page.offset == self.page_offset:
            # Paged past the end: the page's rows were deleted or left the filter meanwhile.
            self.page_offset = max(page.total - 1, 0) // PAGE * PAGE
            self.reload_page()
            return
        table = self.query_one(ScheduleTable)
        table.action_key_labels = self.action_key_labels()
        table.view = View(self.viewer_zone, self.own_zone, self.sort, self.descending, board.now)
        table.show(page.items, board.progress, board.last_runs)
        self.set_class(page.total == 0, "-empty")
        if page.total == 0:
            self.query_one("#empty", Static).update(self._nothing_shown())
            shown = "no matches" if self.active or self.text else "no schedules"
        else:
            first = page.offset + 1 if page.items else 0
            last = page.offset + len(page.items)
            shown = f"{first}-{last} of {page.total}" + ("" if page.total_exact else "+")
        sort = {"next_fire_at": "next fire", "updated_at": "last change"}.get(self.sort, self.sort)
        if self.sort == "status":
            sort = "severity"
        way = " (descending)" if self.descending else ""
        zones = "each schedule's own zone" if self.own_zone else f"your zone, {self.viewer_zone}"
        sort_keys = f"{self.key('schedules.sort')}, {self.key('schedules.reverse')}"
        pages = f"  ·  {self.key('schedules.prev')} {self.key('schedules.next')} pages"
        self.query_one("#pager", Static).update(
            Text(
                f"{shown}  ·  sorted by {sort}{way} ({sort_keys})"
                f"  ·  times in {zones} ({self.key('schedules.zone')})"
                + (pages if page.total > PAGE else "")
            )
        )

    def _nothing_shown(self) -> str:
        """What the page says in place of an empty table: how to create the first schedule,
        or which filter left nothing and the key that undoes it."""
        if not self.active and not self.text:
            return f"No schedules yet — press {self.key('schedules.new')} to create one."
        chips = [(n, status) for n, status in enumerate(CHIPS, start=1) if status in self.active]
        statuses = " or ".join(status.capitalize() for _, status in chips)
        if self.text:
            whose = f"No {statuses} schedule's" if chips else "No schedule's"
            clear = self.key("schedules.clear")
            return (
                f'{whose} name or scope contains "{printable(self.text)}" — '
                f"{clear} clears the text."
            )
        keys = " or ".join(self.key(f"schedules.chip{n}") for n, _ in chips)
        that = "that chip" if len(chips) == 1 else "a chip"
        return f"No {statuses} schedules — {keys} turns {that} off."

    def _tell_outcomes(self, board: Board) -> None:
        """A toast for each run a person started here that has ended."""
        for schedule_id, since in list(self.watching.items()):
            run = board.last_runs.get(schedule_id)
            if run is None or run.scheduled_for < since or run.status in ("running", "queued"):
                continue
            del self.watching[schedule_id]
            name = next((s.name for s in board.page.items if s.id == schedule_id), None)
            what = f"Run {run.id} of {name!r}" if name else f"Run {run.id}"
            if run.status == "failed":
                self.notify(
                    f"{what} failed: {run.error or 'no reason was recorded'}",
                    title="Run failed",
                    severity="error",
                    timeout=15,
                )
            else:
                self.notify(f"{what} ended: {run.status}.")

    def _tick_clock(self) -> None:
        self.query_one(StatusBar).now = self.studio.clock.now()

    # -- chips, filter, sort, pages -----------------------------------------------------------

    def action_chip(self, status: str) -> None:
        self.active = self.active ^ {status}
        self.page_offset = 0
        self.reload_page()

    @on(Chip.Toggled)
    def _chip_clicked(self, event: Chip.Toggled) -> None:
        self.action_chip(event.status)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-open")
        box.placeholder = (
            f"filter by name or scope; enter to apply, {self.key('schedules.clear')} to clear"
        )
        box.value = self.text
        box.focus()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.text = event.value.strip()
        self.page_offset = 0
        event.input.remove_class("-open")
        self.query_one(ScheduleTable).focus()
        self.reload_page()

    @on(Input.Changed, "#filter")
    def _filter_typed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self.page_offset = 0
        self.reload_page()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-open")
        if self.text or box.value:
            box.value = ""
            self.text = ""
            self.reload_page()
        self.query_one(ScheduleTable).focus()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.descending = False
        self.page_offset = 0
        self.reload_page()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.page_offset = 0
        self.reload_page()

    def action_zone(self) -> None:
        """Fire times in each schedule's own zone, or back in the viewer's."""
        self.own_zone = not self.own_zone
        if self.board is not None:
            self.show_board(self.board)

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        by_column: dict[str, SortKey] = {"name": "name", "fire": "next_fire_at", "status": "status"}
        chosen = by_column.get(str(event.column_key.value))
        if chosen:
            self.descending = not self.descending if chosen == self.sort else False
            self.sort = chosen
            self.page_offset = 0
            self.reload_page()

    def action_page(self, step: int) -> None:
        page = self.board.page if self.board else None
        total = page.total if page else 0
        if page is not None and not page.total_exact and len(page.items) == page.limit:
            total = max(total, page.offset + page.limit + 1)  # at least one more page may follow
        offset = self.page_offset + step * PAGE
        if 0 <= offset < max(total, 1):
            self.page_offset = offset
            self.reload_page()

    # -- row actions ----------------------------------------------------------------------------

    def _selected(self) -> ScheduleInfo | None:
        info = self.query_one(ScheduleTable).highlighted()
        if info is None:
            self.notify("No schedule is highlighted.", severity="warning")
        return info

    def run_service(self, call: Callable[[], Any], done: Callable[[Any], str] | None) -> None:
        """Call the core in a worker; report the outcome or its one-sentence refusal."""
        self._service(call, done)

    @work(thread=True, group="service", description="Ask the core")
    def _service(self, call: Callable[[], Any], done: Callable[[Any], str] | None) -> None:
        try:
            result = call()
        except AmxError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
        else:
            if done is not None:
                self.app.call_from_thread(self.notify, done(result))
        self.app.call_from_thread(self.reload)

    def action_new(self) -> None:
        self.post_message(OpenDialog(None))

    def action_edit(self) -> None:
        info = self._selected()
        if info is None:
            return
        if not can("edit", info.status):
            self.notify(
                f"{info.name!r} is {info.status}; it cannot be edited now.", severity="warning"
            )
            return
        self.post_message(OpenDialog(info))

    def action_pause_resume(self) -> None:
        info = self._selected()
        if info is None:
            return
        schedules = self.studio.core.schedules
        if can("resume", info.status):
            self.run_service(
                lambda: schedules.resume(info.id), lambda s: f"Resumed {s.name!r}: {s.status}."
            )
        else:
            self.run_service(lambda: schedules.pause(info.id), lambda s: f"Paused {s.name!r}.")

    def action_run_now(self) -> None:
        info = self._selected()
        if info is None:
            return

        def done(result: Any) -> str:
            # Run now means now: with no daemon alive, the studio ticks here to run it.
            tick = self.key("schedules.tick")
            here = (
                f" Nothing else was firing, so the studio ticks here while it is open"
                f" ({tick} stops)."
                if self.studio.ensure_firing()
                else ""
            )
            if result.run is None:
                return f"{info.name!r} runs its missed occurrence now.{here}"
            return f"Run {result.run.id} of {info.name!r} starts now.{here}"

        self.watching[info.id] = self.studio.clock.now()
        self.run_service(lambda: self.studio.core.schedules.run_now(info.id), done)

    def action_delete(self) -> None:
        info = self._selected()
        if info is not None:
            self._ask_delete(info)

    @work(thread=True, exclusive=True, group="delete", description="Read what runs after it")
    def _ask_delete(self, info: ScheduleInfo) -> None:
        """Ask before deleting `info`, naming the schedules that run after it (they stop)."""
        try:
            followers = [s.name for s in self.studio.core.schedules.downstream(info.id)]
        except AmxError:
            followers = []  # the store is not answering: deleting will say so
        question = f"Delete schedule {info.id} {info.name!r}?\nIts run history is kept."
        if followers:
            question += f"\n{render.stopped_followers(followers)}."

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(
                    lambda: self.studio.core.schedules.delete(info.id),
                    lambda s: f"Deleted {s.name!r}; its run history is kept.",
                )

        self.app.call_from_thread(
            self.app.push_screen, ConfirmScreen(question, "Delete", danger=True), answered
        )

    def action_details(self) -> None:
        info = self._selected()
        if info is not None:
            self.post_message(OpenDetails(info.id))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_details()

    def action_cancel(self) -> None:
        info = self._selected()
        if info is None:
            return
        if not can("cancel", info.status):
            self.notify(
                f"{info.name!r} is {info.status}; only a running or waiting schedule can be "
                "cancelled.",
                severity="warning",
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(
                    lambda: self.studio.core.schedules.cancel(info.id),
                    lambda s: f"Cancelled {s.name!r}; a running run stops at its next table.",
                )

        running = " Its running run stops at its next table;" if info.status == "running" else ""
        self.app.push_screen(
            ConfirmScreen(
                f"Cancel schedule {info.id} {info.name!r}?{running} it will not fire again.",
                "Cancel it",
                danger=True,
            ),
            answered,
        )

    def action_skip(self) -> None:
        info = self._selected()
        if info is None:
            return
        if not can("skip", info.status):
            self.notify(
                f"{info.name!r} is {info.status}; only a missed schedule can be skipped.",
                severity="warning",
            )
            return
        self.run_service(
            lambda: self.studio.core.schedules.skip(info.id),
            lambda s: f"Skipped the missed run of {s.name!r}: {s.status}.",
        )

    @on(ScheduleTable.ActionsClicked)
    def _actions_clicked(self, event: ScheduleTable.ActionsClicked) -> None:
        info = self.query_one(ScheduleTable).items.get(event.key)
        if info is not None:
            self.open_actions(info)

    def open_actions(self, info: ScheduleInfo) -> None:
        """The menu behind a row's Actions cell."""
        from studio_tui.screens.actions import ActionMenu

        run: dict[str, Callable[[], None]] = {
            "edit": self.action_edit,
            "pause": self.action_pause_resume,
            "resume": self.action_pause_resume,
            "run_now": self.action_run_now,
            "skip": self.action_skip,
            "cancel": self.action_cancel,
            "delete": self.action_delete,
            "details": self.action_details,
        }

        def chosen(action: str | None) -> None:
            if action in run:
                run[action]()

        self.app.push_screen(ActionMenu(info, actions_for(info), self.action_key_labels()), chosen)

    def system_commands(self) -> Iterable[SystemCommand]:
        """This page's palette entries: the row actions on the highlighted schedule."""
        for label, help_text, action in (
            ("New schedule", "Queue a new analysis", self.action_new),
            ("Edit schedule", "Change the highlighted schedule", self.action_edit),
            ("Pause or resume", "The highlighted schedule", self.action_pause_resume),
            ("Run now", "Queue an immediate run of the highlighted schedule", self.action_run_now),
            ("Skip missed", "Skip the highlighted missed schedule", self.action_skip),
            ("Cancel run", "Stop the highlighted running schedule", self.action_cancel),
            ("Delete schedule", "Delete the highlighted schedule", self.action_delete),
            ("Details", "Configuration and run history", self.action_details),
            ("Filter", "Filter by name or scope", self.action_filter),
        ):
            yield SystemCommand(label, help_text, action)

    def action_review(self) -> None:
        self.post_message(OpenReview())

    def action_toggle_ticking(self) -> None:
        self.post_message(ToggleTicking())


__all__ = ["CHIPS", "Board", "SchedulesScreen"]
