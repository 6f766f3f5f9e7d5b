"""Filter chips above the schedule table: toggles with counts; none on means all."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Static

from studio_tui.literal import literal

CHIPS = ("pending", "paused", "failed", "missed")


class Chip(Static):
    """One status toggle, e.g. `[x] Pending 3`."""

    DEFAULT_CSS = """
    Chip {
        width: auto;
        height: 1;
        padding: 0 1;
        margin-right: 1;
        background: $surface;
        color: $text-muted;
    }
    Chip.-on { background: $primary 30%; color: $foreground; text-style: bold; }
    Chip.-hidden { display: none; }
    Chip:hover { background: $primary 15%; }
    """

    class Toggled(Message):
        """A chip was clicked."""

        def __init__(self, status: str) -> None:
            super().__init__()
            self.status = status

    def __init__(self, status: str, key: str) -> None:
        super().__init__(id=f"chip-{status}")
        self.status = status
        self.key = key
        self.count = 0
        self.on = False

    def show(self, on: bool, count: int) -> None:
        """Redraw with its state and count."""
        self.on, self.count = on, count
        self.set_class(on, "-on")
        mark = "[x]" if on else "[ ]"
        self.update(Text(f"{mark} {self.status.capitalize()} {count}"))

    def on_click(self) -> None:
        self.post_message(self.Toggled(self.status))


class FilterChips(Horizontal):
    """Pending / Paused / Failed chips, and Missed when any exist; keys 1 to 4 toggle them."""

    DEFAULT_CSS = """
    FilterChips { height: 1; padding: 0 1; margin: 1 0 0 0; }
    FilterChips #filter-text { width: 1fr; color: $text-muted; content-align: right middle; }
    """

    def compose(self) -> ComposeResult:
        for index, status in enumerate(CHIPS, start=1):
            yield Chip(status, str(index))
        yield Static("", id="filter-text")

    def show(self, active: frozenset[str], counts: dict[str, int], text: str) -> None:
        """Reflect the active chips, the counts and the text filter."""
        for chip in self.query(Chip):
            chip.show(chip.status in active, counts.get(chip.status, 0))
            hidden = chip.status == "missed" and not counts.get("missed") and "missed" not in active
            chip.set_class(hidden, "-hidden")
        hint = f'filter: "{text}"  (/ to change, esc to clear)' if text else "/ filter"
        self.query_one("#filter-text", Static).update(literal(hint))
