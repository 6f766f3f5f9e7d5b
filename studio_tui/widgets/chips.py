"""Filter chips above the schedule table: toggles with counts; none on means all."""

from __future__ import annotations

from collections.abc import Mapping

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from core.text import printable

CHIPS = ("pending", "paused", "failed", "missed")
# The keys as bound by default; the page hands in the keys bound now (see `FilterChips.show`).
DEFAULT_KEYS = {"pending": "1", "paused": "2", "failed": "3", "missed": "4"}


class Chip(Static):
    """One status toggle with the key that toggles it, e.g. `1 [x] Pending 3`."""

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

    def show(self, on: bool, count: int, key: str | None = None) -> None:
        """Redraw with its state, count and (when given) the key bound to it now."""
        self.on, self.count = on, count
        if key is not None:
            self.key = key
        self.set_class(on, "-on")
        mark = "[x]" if on else "[ ]"
        # Content built from plain strings is never read as markup: `[x]` stays `[x]`.
        self.update(
            Content.assemble(
                (self.key, "bold $accent"), f" {mark} {self.status.capitalize()} {count}"
            )
        )

    def on_click(self) -> None:
        self.post_message(self.Toggled(self.status))


class FilterHint(Static):
    """The text filter's hint after the chips, right-aligned: the longest of its forms that
    fits the width left (at 80 columns the whole sentence does not)."""

    DEFAULT_CSS = """
    FilterHint {
        width: 1fr;
        color: $text-muted;
        content-align: right middle;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002  # Textual's name
        super().__init__("", id=id, markup=False)
        self._forms: tuple[str, ...] = ("",)

    def show(self, forms: tuple[str, ...]) -> None:
        """Show the first of `forms` (longest first) that fits, else the last, cut."""
        self._forms = forms
        self.refresh()

    def render(self) -> Content:
        fitting = (form for form in self._forms if cell_len(form) <= self.size.width)
        # A Content made from a string is shown as it is, never read as markup.
        return Content(next(fitting, self._forms[-1]))


class FilterChips(Horizontal):
    """Pending / Paused / Failed chips, and Missed when any exist, each toggled by its key."""

    DEFAULT_CSS = """
    FilterChips { height: 1; padding: 0 1; margin: 1 0 0 0; }
    """

    def compose(self) -> ComposeResult:
        for status in CHIPS:
            yield Chip(status, DEFAULT_KEYS[status])
        yield FilterHint(id="filter-text")

    def show(
        self,
        active: frozenset[str],
        counts: dict[str, int],
        text: str,
        keys: Mapping[str, str] | None = None,
    ) -> None:
        """Reflect the active chips, the counts and the text filter. `keys` are the keys bound
        now, by chip status, plus `filter` (open the text filter) and `clear` (clear it)."""
        keys = {**DEFAULT_KEYS, "filter": "/", "clear": "esc", **(keys or {})}
        for chip in self.query(Chip):
            chip.show(chip.status in active, counts.get(chip.status, 0), keys[chip.status])
            hidden = chip.status == "missed" and not counts.get("missed") and "missed" not in active
            chip.set_class(hidden, "-hidden")
        slash, clear = keys["filter"], keys["clear"]
        shown = printable(text)
        forms = (
            (
                f'filter: "{shown}"  ({slash} to change, {clear} to clear)',
                f'filter: "{shown}"',
                f'"{shown}"',
            )
            if text
            else (f"{slash} filter",)
        )
        self.query_one(FilterHint).show(forms)
