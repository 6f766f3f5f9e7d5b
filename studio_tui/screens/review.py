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

    def compose(self) -> ComposeResult:
        yield Static("Review queue", id="title")
        table: DataTable[Any] = DataTable(cursor_type="row", id="proposals")
        yield table
        yield Static("", id="detail")
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label, width in (
            ("path", "Path", 34),
            ("field", "Field", 11),
            ("old", "Old", 20),
            ("new", "New", 36),
            ("conf", "Conf", 4),
        ):
            table.add_column(label, key=key, width=width)
        table.focus()
        self.reload()

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
            header = Text(
                f"Run {run_id} · {name} · {len(group)} pending ({accept_all} accepts all)",
                style="bold",
            )
            table.add_row(header, "", "", "", "", key=f"run:{run_id}")
            for p in group:
                key = f"p:{p.id}"
                self.proposals[key] = p
                table.add_row(
                    clipped("  " + p.path, 34),
                    literal(p.field),
                    clipped(show_value(p.field, p.old_value), 20),
                    clipped(show_value(p.field, p.new_value), 36),
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
