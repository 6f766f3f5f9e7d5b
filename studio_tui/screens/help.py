"""`?`: every key of the studio in one place, read from the bindings themselves (so a remapped
key shows as remapped), laid out in columns that never break an item."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from studio_tui.keys import entries
from studio_tui.widgets.key_grid import KeyGrid

FIRE_AT = "Fire at takes 2026-12-01 09:00, +1h, +30m, tomorrow 09:00 or today 18:00."
SCOPE = (
    "Scope tree: ticking a node selects everything below it; ticking deeper nodes narrows to "
    "them; unticking them widens back."
)
MARKS = "[x] selected   [~] partly selected   [ ] not selected"


def sections(app: App[object]) -> list[tuple[str, list[tuple[str, str]], list[str]]]:
    """(title, keys, notes) for each part of the studio."""
    from studio_tui.screens.details import DetailsScreen
    from studio_tui.screens.dialog import ScheduleDialog
    from studio_tui.screens.missed import MissedScreen
    from studio_tui.screens.review import ReviewScreen
    from studio_tui.screens.schedules import SchedulesScreen
    from studio_tui.widgets.schedule_table import ScheduleTable
    from studio_tui.widgets.scope_tree import ScopeTree

    studio = [*type(app).BINDINGS]
    page = [*ScheduleTable.BINDINGS, *SchedulesScreen.BINDINGS]
    dialog = [*Screen.BINDINGS, *ScheduleDialog.BINDINGS, *ScopeTree.BINDINGS]
    # Moving between fields, the dialog's own keys, and ticking and opening scope nodes.
    in_dialog = [
        "app.focus_next",
        "app.focus_previous",
        *_names(ScheduleDialog.BINDINGS),
        "scope-tree.tick",
        "scope-tree.expand",
    ]
    return [
        ("Schedules", entries(app, page) + entries(app, studio), []),
        (
            "New / edit dialog",
            entries(app, dialog, only=in_dialog),
            [FIRE_AT, SCOPE],
        ),
        ("Marks", [], [MARKS]),
        ("Details", entries(app, DetailsScreen.BINDINGS), []),
        ("Missed runs", entries(app, MissedScreen.BINDINGS), []),
        ("Review queue", entries(app, ReviewScreen.BINDINGS), []),
    ]


def _names(bindings: list[BindingType]) -> list[str]:
    return list(dict.fromkeys(b.id or b.action for b in Binding.make_bindings(bindings)))


class HelpScreen(ModalScreen[None]):
    """Keys and conventions."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 2;
    }
    HelpScreen .title { text-style: bold; margin-top: 1; }
    HelpScreen .note { color: $text-muted; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            for title, keys, notes in sections(self.app):
                yield Static(Text(title), classes="title")
                if keys:
                    yield KeyGrid(keys)
                for note in notes:
                    yield Static(Text(note), classes="note")
