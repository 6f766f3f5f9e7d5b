"""The review queue: proposals grouped by run, old against new, accepted or rejected by a person."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Static

from core.analysis.review import ProposalInfo, show_value
from core.api import Core
from core.errors import AmxError
from core.text import counted
from studio_tui.keys import key_label
from studio_tui.literal import clipped, literal

COLUMNS = (("path", "Path"), ("field", "Field"), ("old", "Old"), ("new", "New"), ("conf", "Conf"))
# Field and Conf hold values of a known length; the cells' padding and the scrollbar take these.
_FIELD, _CONF, _CHROME = 11, 4, 2 * len(COLUMNS) + 2


def column_widths(width: int) -> dict[str, int]:
    """Each column's width on a screen `width` cells wide: the path takes two fifths of what the
    fixed columns leave (16 to 34), and the new value twice what the old one has (most often
    nothing)."""
    spare = max(width - _CHROME - _FIELD - _CONF, 36)
    path = max(16, min(34, spare * 2 // 5))
    old = max(6, min(20, (spare - path) // 3))
    return {"path": path, "field": _FIELD, "old": old, "new": spare - path - old, "conf": _CONF}


class EditValue(ModalScreen[str | None]):
    """Type the value to store instead of the proposal's."""

    DEFAULT_CSS = """
    EditValue { align: center middle; }
    EditValue > Vertical {
        width: 90; max-width: 100%; height: auto; border: thick $primary; background: $surface;
        padding: 1 2;
    }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="edit_value.cancel")]

    def __init__(self, proposal: ProposalInfo) -> None:
        super().__init__()
        self.proposal = proposal

    def compose(self) -> ComposeResult:
        p = self.proposal
        with Vertical():
            yield Static(
                Text.assemble(
                    (p.path, "bold"),
                    f" {p.field} — enter accepts your value, "
                    f"{key_label(self.app, self.BINDINGS, 'edit_value.cancel')} cancels",
                )
            )
            yield Input(value=show_value(p.field, p.new_value), id="value")

    @on(Input.Submitted)
    def _done(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class ReviewScreen(Screen[None]):
    """Pending proposals, accepted, rejected, edited and accepted, or accepted a whole run at a
    time."""

    DEFAULT_CSS = """
    ReviewScreen #title { height: 1; padding: 0 1; background: $panel; }
    ReviewScreen DataTable { height: 1fr; }
    ReviewScreen #detail { height: auto; max-height: 8; padding: 0 1; background: $surface; }
    """
    BINDINGS = [
        Binding("a", "accept", "Accept", id="review.accept"),
        Binding("x", "reject", "Reject", id="review.reject"),
        Binding("e", "edit", "Edit", id="review.edit"),
        Binding("A", "accept_run", "Accept run", id="review.accept_run"),
        Binding("escape,q", "app.pop_screen", "Back", id="review.back"),
    ]

    def __init__(self, core: Core) -> None:
        super().__init__()
        self.core = core
        self.proposals: dict[str, ProposalInfo] = {}
        self._widths: dict[str, int] = {}
        self._loaded: tuple[list[ProposalInfo], int, dict[int, str]] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Review queue", id="title")
        table: DataTable[Any] = DataTable(cursor_type="row", id="proposals")
        yield table
        yield Static("", id="detail")
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self._set_columns(column_widths(self.size.width))
        self.query_one(DataTable).focus()
        self.reload()

    def on_resize(self) -> None:
        widths = column_widths(self.size.width)
        if widths != self._widths:
            self._set_columns(widths)
            if self._loaded is not None:
                self._show(*self._loaded)

    def _set_columns(self, widths: dict[str, int]) -> None:
        self._widths = widths
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for key, label in COLUMNS:
            table.add_column(label, key=key, width=widths[key])

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, description="Load the review")
    def _load(self) -> None:
        try:
            page = self.core.review.queue(status="pending", limit=1000)
            ids = {p.schedule_id for p in page.items}
            names = {s.id: s.name for s in self.core.schedules.find(ids)}
        except AmxError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", timeout=10)
            return
        self.app.call_from_thread(self._show, page.items, page.total, names)

    def _show(self, items: list[ProposalInfo], total: int, names: dict[int, str]) -> None:
        self._loaded = (items, total, names)
        width = self._widths
        table = self.query_one(DataTable)
        keep, row = self._key(), table.cursor_row
        table.clear()
        self.proposals = {}
        runs: dict[int, list[ProposalInfo]] = {}
        accept_all = self.key("review.accept_run")
        for p in items:
            runs.setdefault(p.run_id, []).append(p)
        for run_id, group in runs.items():
            name = names.get(group[0].schedule_id, f"schedule {group[0].schedule_id}")
            header = clipped(f"Run {run_id} · {name}", width["path"], style="bold")
            pending = clipped(f"{len(group)} pending", width["field"])
            table.add_row(
                header,
                pending,
                "",
                clipped(f"{accept_all} accepts all", width["new"]),
                "",
                key=f"run:{run_id}",
            )
            for p in group:
                key = f"p:{p.id}"
                self.proposals[key] = p
                table.add_row(
                    Text("  ") + clipped(p.path, width["path"] - 2, keep_end=True),
                    literal(p.field),
                    clipped(show_value(p.field, p.old_value), width["old"]),
                    clipped(show_value(p.field, p.new_value), width["new"]),
                    f"{p.confidence:.2f}",
                    key=key,
                )
        shown = counted(total, "proposal")
        if total > len(items):
            shown = f"{len(items)} of {shown}"
        self.query_one("#title", Static).update(f"Review queue — {shown} pending")
        if not items:
            self.query_one("#detail", Static).update("Nothing waits for review.")
        if keep is not None and keep in self.proposals:
            table.move_cursor(row=table.get_row_index(keep))
        elif table.row_count:
            # The decided proposal left the queue: stay where it was, on the next proposal.
            row = min(row, table.row_count - 1)
            if str(table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value).startswith(
                "run:"
            ):
                row = min(row + 1, table.row_count - 1)
            table.move_cursor(row=row)

    def key(self, binding_id: str) -> str:
        """The key bound to one of this screen's bindings now, as shown to people."""
        return key_label(self.app, self.BINDINGS, binding_id)

    def _key(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _selected(self) -> ProposalInfo | None:
        key = self._key()
        return self.proposals.get(key) if key else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        p = self.proposals.get(str(event.row_key.value))
        detail = self.query_one("#detail", Static)
        if p is None:
            every = self.key("review.accept_run")
            detail.update(f"A whole run: {every} accepts every pending proposal in it.")
            return
        text = Text.assemble((p.path, "bold"), f" {p.field} · confidence {p.confidence:.2f}")
        text.append(f"\nold: {show_value(p.field, p.old_value)}")
        text.append(f"\nnew: {show_value(p.field, p.new_value)}")
        if p.note:
            text.append(f"\nnote: {p.note}")
        detail.update(text)

    def _act(self, call: Callable[[], Any], message: str) -> None:
        self._run(call, message)

    @work(thread=True, group="review", description="Apply a review choice")
    def _run(self, call: Callable[[], Any], message: str) -> None:
        try:
            call()
        except AmxError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
        else:
            self.app.call_from_thread(self.notify, message)
        self.app.call_from_thread(self.reload)

    def action_accept(self) -> None:
        p = self._selected()
        if p is not None:
            self._act(lambda: self.core.review.accept([p.id]), f"Accepted {p.path} {p.field}.")

    def action_reject(self) -> None:
        p = self._selected()
        if p is not None:
            self._act(lambda: self.core.review.reject([p.id]), f"Rejected {p.path} {p.field}.")

    def action_edit(self) -> None:
        p = self._selected()
        if p is None:
            return

        def edited(value: str | None) -> None:
            if value is not None:
                self._act(
                    lambda: self.core.review.edit(p.id, value), f"Stored your value for {p.path}."
                )

        self.app.push_screen(EditValue(p), edited)

    def action_accept_run(self) -> None:
        key = self._key()
        p = self._selected()
        run_id = (
            p.run_id if p else (int(key.split(":")[1]) if key and key.startswith("run:") else None)
        )
        if run_id is not None:
            self._act(lambda: self.core.review.accept_run(run_id), f"Accepted run {run_id}.")
