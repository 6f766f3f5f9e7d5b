"""`?`: every key of the studio in one place, read from the bindings themselves (so a remapped
key shows as remapped), laid out in columns that never break an item."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from studio_tui.keys import entries, key_label
from studio_tui.widgets.key_grid import KeyGrid

FIRE_AT = "Fire at takes 2026-12-01 09:00, +1h, +30m, tomorrow 09:00 or today 18:00."
SCOPE = (
    "Scope: ticking a node selects all below it; ticking deeper ones narrows to them; "
    "unticking widens back."
)
# The screens with a few keys each, from this one on: side by side when there is room.
SIDE_BY_SIDE = "Details"
WIDE = 100  # columns of help text that two sections side by side need
MARKS = "Marks: [x] selected   [~] partly selected   [ ] not selected"


Section = tuple[str, list[tuple[str, str]], list[str]]


def sections(app: App[object]) -> list[Section]:
    """(title, keys, notes) for each part of the studio: the Schedules page's keys by what they
    are for, then each other screen's."""
    from studio_tui.screens.agenda import AgendaList, AgendaScreen
    from studio_tui.screens.catalog_cache import CatalogCacheScreen
    from studio_tui.screens.command import CommandScreen
    from studio_tui.screens.details import DetailsScreen
    from studio_tui.screens.dialog import ScheduleDialog
    from studio_tui.screens.dialog.steps import StepList
    from studio_tui.screens.missed import MissedScreen
    from studio_tui.screens.review import ReviewScreen
    from studio_tui.screens.schedules import SchedulesScreen
    from studio_tui.screens.template_params import TemplateParamsScreen
    from studio_tui.screens.templates import TemplatesScreen
    from studio_tui.widgets.command_input import CommandInput
    from studio_tui.widgets.schedule_table import ScheduleTable
    from studio_tui.widgets.scope_tree import ScopeTree

    studio = [*type(app).BINDINGS]
    page = [*ScheduleTable.BINDINGS, *SchedulesScreen.BINDINGS]
    dialog = [*Screen.BINDINGS, *ScheduleDialog.BINDINGS, *ScopeTree.BINDINGS, *StepList.BINDINGS]
    # Moving between fields, the dialog's own keys, and ticking and opening scope nodes.
    in_dialog = [
        "app.focus_next",
        "app.focus_previous",
        *_names(ScheduleDialog.BINDINGS),
        "scope-tree.tick",
        "scope-tree.expand",
        *_names(StepList.BINDINGS),
    ]
    chips = [f"schedules.chip{n}" for n in range(1, 5)]
    move = ["table.down", "table.up", "table.first", "table.last"]
    change = ["schedules.new", "schedules.edit", "schedules.pause", "schedules.run_now"]
    change += ["schedules.cancel", "schedules.skip", "schedules.delete"]
    return [
        (
            "Schedules: move",
            [
                *entries(app, page, only=move),
                _joined(app, page, ["table.open", "schedules.details"], "Details"),
            ],
            [],
        ),
        ("Schedules: change the highlighted one, or add one", entries(app, page, only=change), []),
        (
            "Schedules: filter, sort, times",
            [
                *entries(app, page, only=["schedules.filter", "schedules.clear"]),
                _joined(app, page, chips, "Toggle a chip"),
                *entries(app, page, only=["schedules.sort", "schedules.reverse", "schedules.zone"]),
                _joined(app, page, ["schedules.next", "schedules.prev"], "Next / previous page"),
            ],
            [],
        ),
        (
            "Other screens, ticking, quitting",
            [
                *entries(
                    app,
                    page,
                    only=[
                        "schedules.agenda",
                        "schedules.cache",
                        "schedules.templates",
                        "schedules.review",
                        "schedules.tick",
                    ],
                ),
                *entries(app, studio, only=["app.help", "app.command", "app.palette"]),
                _joined(app, studio, ["app.quit", "app.quit_anywhere"], "Quit"),
            ],
            [],
        ),
        ("New / edit dialog", entries(app, dialog, only=in_dialog), [FIRE_AT, SCOPE, MARKS]),
        ("Agenda", entries(app, [*AgendaScreen.BINDINGS, *AgendaList.BINDINGS]), []),
        ("Details", entries(app, DetailsScreen.BINDINGS), []),
        ("Catalog cache", entries(app, CatalogCacheScreen.BINDINGS), []),
        ("Templates", entries(app, TemplatesScreen.BINDINGS), []),
        ("Template values", entries(app, TemplateParamsScreen.BINDINGS), []),
        ("Missed runs", entries(app, MissedScreen.BINDINGS), []),
        ("Review queue", entries(app, ReviewScreen.BINDINGS), []),
        (
            "Command line",
            entries(app, [*CommandInput.BINDINGS, *CommandScreen.BINDINGS]),
            [],
        ),
    ]


def _joined(
    app: App[object], bindings: list[BindingType], ids: list[str], what: str
) -> tuple[str, str]:
    """One item for several bindings that do one kind of thing: `1/2/3/4  … chip`."""
    return ("/".join(key_label(app, bindings, i) for i in ids), what)


def _names(bindings: list[BindingType]) -> list[str]:
    return list(dict.fromkeys(b.id or b.action for b in Binding.make_bindings(bindings)))


class HelpScreen(ModalScreen[None]):
    """Keys and conventions."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 116; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 2;
    }
    HelpScreen .title { text-style: bold; color: $accent; margin-top: 1; }
    HelpScreen .title.-first { margin-top: 0; }
    HelpScreen .note { color: $text-muted; }
    HelpScreen #screens {
        layout: grid; grid-size: 2; grid-columns: 1fr 1fr; grid-rows: auto; grid-gutter: 0 3;
        height: auto;
    }
    HelpScreen #screens.-narrow { grid-size: 1; grid-columns: 1fr; }
    HelpScreen .section { height: auto; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss(None)", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        found = sections(self.app)
        split = next(i for i, (title, _k, _n) in enumerate(found) if title == SIDE_BY_SIDE)
        with VerticalScroll():
            for index, section in enumerate(found[:split]):
                yield from self._section(*section, first=index == 0)
            with Container(id="screens"):
                for section in found[split:]:
                    with Vertical(classes="section"):
                        yield from self._section(*section)

    @staticmethod
    def _section(
        title: str, keys: list[tuple[str, str]], notes: list[str], *, first: bool = False
    ) -> ComposeResult:
        yield Static(Text(title), classes="title -first" if first else "title")
        if keys:
            yield KeyGrid(keys)
        for note in notes:
            yield Static(Text(note), classes="note")

    def on_resize(self) -> None:
        screens = self.query_one("#screens")
        screens.set_class(screens.size.width < WIDE, "-narrow")
