"""The Schedules page: status bar, filter chips, the schedule table and its actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from core.errors import AmxError, StorageError
from core.schedules.service import ListQuery, SortKey
from core.schedules.status import can
from core.schedules.views import Page, ScheduleInfo
from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.widgets.chips import CHIPS, Chip, FilterChips
from studio_tui.widgets.schedule_table import ScheduleTable, actions_for
from studio_tui.widgets.status_bar import Firing, StatusBar

if TYPE_CHECKING:
    from studio_tui.app import StudioApp

PAGE = 200
SORTS: tuple[SortKey, ...] = ("next_fire_at", "name", "status", "updated_at")


@dataclass(frozen=True)
class Board:
    """Everything the page shows, loaded together off the event loop."""

    page: Page
    counts: dict[str, int]
    firing: Firing
    missed: list[ScheduleInfo]
    now: datetime
    progress: dict[int, tuple[int, int]] = field(default_factory=dict)


class SchedulesScreen(Screen[None]):
    """The main page."""

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
        Binding("p", "pause_resume", "Pause/Resume", id="schedules.pause"),
        Binding("r", "run_now", "Run now", id="schedules.run_now"),
        Binding("d,delete", "delete", "Delete", id="schedules.delete"),
        Binding("i", "details", "Details", id="schedules.details"),
        Binding("slash", "filter", "Filter", id="schedules.filter"),
        Binding("v", "review", "Review", id="schedules.review"),
        Binding("a", "app.agenda", "Agenda", show=False, id="schedules.agenda"),
        Binding("t", "toggle_ticking", "Tick here", id="schedules.tick"),
        Binding("s", "sort", "Sort", show=False, id="schedules.sort"),
        Binding("1", "chip('pending')", "Pending", show=False, id="schedules.chip1"),
        Binding("2", "chip('paused')", "Paused", show=False, id="schedules.chip2"),
        Binding("3", "chip('failed')", "Failed", show=False, id="schedules.chip3"),
        Binding("4", "chip('missed')", "Missed", show=False, id="schedules.chip4"),
        Binding("right_square_bracket", "page(1)", "Next page", show=False, id="schedules.next"),
        Binding("left_square_bracket", "page(-1)", "Prev page", show=False, id="schedules.prev"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="schedules.clear"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.active: frozenset[str] = frozenset()
        self.text = ""
        self.sort: SortKey = "next_fire_at"
        self.page_offset = 0
        self.board: Board | None = None
        self._missed_shown: frozenset[int] = frozenset()

    @property
    def studio(self) -> StudioApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield FilterChips(id="chips")
        yield Input(
            placeholder="filter by name or scope; enter to apply, esc to clear", id="filter"
        )
        yield ScheduleTable(id="table")
        yield Static("No schedules yet — press n to create one.", id="empty")
        yield Static("", id="pager")
        yield Footer()

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
            offset=self.page_offset,
            limit=PAGE,
        )

    def reload(self) -> None:
        """Load the board in a worker; the table updates in place when it arrives."""
        self._load(self.list_query(), None)

    def reload_page(self) -> None:
        """Only the table changed (chips, filter, sort, page): load just the page."""
        self._load(self.list_query(), self.board)

    @work(thread=True, exclusive=True, group="board")
    def _load(self, query: ListQuery, previous: Board | None) -> None:
        try:
            if previous is None:
                board = self.studio.load_board(query)
            else:
                page = self.studio.core.schedules.list(query)
                running = [s.id for s in page.items if s.status == "running"]
                progress = self.studio.core.runs.running_progress(running)
                board = replace(previous, page=page, now=self.studio.clock.now(), progress=progress)
        except StorageError as exc:
            self.app.call_from_thread(self.show_lost, str(exc))
            return
        self.app.call_from_thread(self.show_board, board)

    def show_lost(self, sentence: str) -> None:
        """The database stopped answering: say so once, keep the last board, keep retrying."""
        bar = self.query_one(StatusBar)
        if bar.lost_since is None:
            bar.lost_since = self.studio.clock.now()
            self.notify(sentence, title="Lost the database", severity="error", timeout=10)

    def show_board(self, board: Board) -> None:
        """Put a loaded board on screen."""
        self.board = board
        bar = self.query_one(StatusBar)
        if bar.lost_since is not None:
            bar.lost_since = None
            self.notify("The database answers again.")
        table = self.query_one(ScheduleTable)
        table.show(board.page.items, board.progress)
        self.query_one(FilterChips).show(self.active, board.counts, self.text)
        bar = self.query_one(StatusBar)
        bar.now = board.now
        bar.firing = board.firing
        empty = board.page.total == 0 and not self.active and not self.text
        self.set_class(empty, "-empty")
        first = board.page.offset + 1 if board.page.items else 0
        last = board.page.offset + len(board.page.items)
        sort = {"next_fire_at": "next fire", "updated_at": "last change"}.get(self.sort, self.sort)
        self.query_one("#pager", Static).update(
            f"{first}-{last} of {board.page.total}  ·  sorted by {sort} (s)"
            + ("  ·  [ ] pages" if board.page.total > PAGE else "")
        )
        missed = frozenset(s.id for s in board.missed)
        if missed and not missed <= self._missed_shown and self.studio.ask_missed:
            self._missed_shown = missed
            self.studio.show_missed(board.missed)

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
        self.page_offset = 0
        self.reload_page()

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        by_column: dict[str, SortKey] = {"name": "name", "fire": "next_fire_at", "status": "status"}
        chosen = by_column.get(str(event.column_key.value))
        if chosen:
            self.sort = chosen
            self.reload_page()

    def action_page(self, step: int) -> None:
        total = self.board.page.total if self.board else 0
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

    @work(thread=True, group="service")
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
        self.studio.open_dialog(None, on_saved=self.reload)

    def action_edit(self) -> None:
        info = self._selected()
        if info is None:
            return
        if not can("edit", info.status):
            self.notify(
                f"{info.name!r} is {info.status}; it cannot be edited now.", severity="warning"
            )
            return
        self.studio.open_dialog(info, on_saved=self.reload)

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
            board = self.board
            idle = board is not None and not board.firing.alive and not board.firing.embedded
            hint = " Nothing is running to fire it: press t to tick here." if idle else ""
            if result.run is None:
                return f"{info.name!r} fires its missed occurrence now.{hint}"
            return f"Queued run {result.run.id} of {info.name!r}.{hint}"

        self.run_service(lambda: self.studio.core.schedules.run_now(info.id), done)

    def action_delete(self) -> None:
        info = self._selected()
        if info is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_service(
                    lambda: self.studio.core.schedules.delete(info.id),
                    lambda s: f"Deleted {s.name!r}; its run history is kept.",
                )

        self.app.push_screen(
            ConfirmScreen(
                f"Delete schedule {info.id} {info.name!r}?\nIts run history is kept.",
                "Delete",
                danger=True,
            ),
            answered,
        )

    def action_details(self) -> None:
        info = self._selected()
        if info is not None:
            self.studio.open_details(info.id)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_details()

    @on(ScheduleTable.ActionsClicked)
    def _actions_clicked(self, event: ScheduleTable.ActionsClicked) -> None:
        info = self.query_one(ScheduleTable).items.get(event.key)
        if info is not None:
            self.studio.open_actions(info, actions_for(info), self)

    def action_review(self) -> None:
        self.studio.open_review()

    def action_toggle_ticking(self) -> None:
        self.studio.toggle_embedded()
        self.reload()


__all__ = ["CHIPS", "Board", "SchedulesScreen"]
