"""Keys: moving in the table, quitting with nothing lost, and every key shown to people read from
the bindings, so remapping one binding changes the footer, help, hints and labels together."""

from __future__ import annotations

import pytest
from textual.binding import Binding
from textual.widgets import Button, DataTable, Footer, Input, Label, OptionList, Static
from textual.widgets._footer import FooterKey

from studio_tui.app import StudioApp
from studio_tui.screens.actions import ActionMenu
from studio_tui.screens.agenda import AgendaScreen
from studio_tui.screens.command import CommandScreen
from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.screens.dialog import ScheduleDialog
from studio_tui.screens.help import HelpScreen, sections
from studio_tui.screens.missed import MissedScreen
from studio_tui.screens.review import EditValue, ReviewScreen
from studio_tui.screens.schedules import SchedulesScreen
from studio_tui.widgets.chips import Chip
from studio_tui.widgets.key_grid import KeyGrid
from studio_tui.widgets.schedule_table import ScheduleTable
from studio_tui.widgets.status_bar import StatusBar
from tests.studio.conftest import MakeStudio, settle

pytestmark = pytest.mark.anyio

OTHER_SCREENS = ("New / edit dialog", "Agenda", "Details", "Missed runs", "Review queue")
OTHER_SCREENS += ("Command line",)


def row(app: StudioApp) -> int:
    return app.screen.query_one(ScheduleTable).cursor_row


def footer(app: StudioApp) -> list[tuple[str, str]]:
    return [(k.key_display, k.description) for k in app.screen.query_one(Footer).query(FooterKey)]


async def test_j_k_g_shift_g_home_and_end_move_the_cursor(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        last = app.screen.query_one(ScheduleTable).row_count - 1
        await pilot.press("j", "j")
        assert row(app) == 2
        await pilot.press("k")
        assert row(app) == 1
        await pilot.press("G")
        assert row(app) == last
        await pilot.press("g")
        assert row(app) == 0
        await pilot.press("end")
        assert row(app) == last
        await pilot.press("home")
        assert row(app) == 0


async def test_q_quits(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_quitting_over_unsaved_changes_asks_first(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Half typed")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleDialog)
        assert app.screen.query_one("#name", Input).value == "Half typed"
        assert app.is_running


async def test_no_palette_chunk_in_the_footer_and_help_keeps_items_whole(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer_widget = app.screen.query_one(Footer)
        assert not footer_widget.show_command_palette
        shown = footer(app)
        assert ("?", "Help") in shown and ("q", "Quit") in shown
        await pilot.press("question_mark")
        await settle(pilot)
        for grid in app.screen.query(KeyGrid):
            lines = grid.render().plain.splitlines()
            assert all(len(line.rstrip()) <= grid.size.width for line in lines), lines
            for key, what in grid.items:
                assert any(f"{key}  {what}" in line for line in lines), (key, what)


async def test_a_remapped_key_shows_everywhere(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        app.update_keymap(
            {
                "schedules.new": "y",
                "schedules.edit": "w",
                "schedules.sort": "o",
                "dialog.save": "ctrl+w",
                "command.complete": "ctrl+t",
            }
        )
        await settle(pilot)
        app.screen.reload()  # type: ignore[attr-defined]
        await settle(pilot)
        assert ("y", "New") in footer(app) and ("n", "New") not in footer(app)
        assert ("w", "Edit") in footer(app)
        assert "sorted by next fire (o, S)" in str(app.screen.query_one("#pager", Static).render())
        table = app.screen.query_one(ScheduleTable)
        actions = [str(table.get_row_at(i)[-1]) for i in range(table.row_count)]
        assert any(cell.startswith("w ") for cell in actions), actions
        assert not any(cell.startswith("e ") for cell in actions), actions
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        items = [item for grid in app.screen.query(KeyGrid) for item in grid.items]
        assert ("y", "New") in items and ("^w", "Save") in items
        assert ("n", "New") not in items
        await pilot.press("escape", "n")
        await settle(pilot)
        assert not isinstance(app.screen, ScheduleDialog)  # n no longer opens it
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleDialog)
        assert str(app.screen.query_one("#save", Button).label) == "Save (^w)"
        labels = [str(label.render()) for label in app.screen.query(Label)]
        assert "Scope (⏎ expands, space ticks)" in labels
        await pilot.press("escape")
        await settle(pilot)
        if isinstance(app.screen, ConfirmScreen):
            await pilot.press("y")
            await settle(pilot)
        await pilot.press("colon")
        await settle(pilot)
        assert isinstance(app.screen, CommandScreen)
        assert str(app.screen.query_one("#hint", Static).render()).startswith("^t completes")


async def test_the_empty_page_names_the_new_key(make_studio: MakeStudio) -> None:
    app = make_studio(demo=False)
    async with app.run_test(size=(120, 35)) as pilot:
        app.update_keymap({"schedules.new": "y"})
        await settle(pilot)
        app.screen.reload()  # type: ignore[attr-defined]
        await settle(pilot)
        empty = str(app.screen.query_one("#empty", Static).render())
        assert empty == "No schedules yet — press y to create one."


async def test_no_screen_shows_the_palette_chunk_in_its_footer(make_studio: MakeStudio) -> None:
    """The palette is a binding like any other (in help); no footer carries its own chunk."""
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        for key in ("a", "escape", "i", "escape", "v", "escape"):
            await pilot.press(key)
            await settle(pilot)
            for footer_widget in app.screen.query(Footer):
                assert not footer_widget.show_command_palette, type(app.screen).__name__


def shown(widget: Static) -> str:
    return str(widget.render())


async def test_remapped_tick_filter_and_chip_keys_show_in_chips_bar_and_prompts(
    make_studio: MakeStudio,
) -> None:
    app = make_studio(ask_missed=True)
    app.set_keymap(
        {
            "schedules.tick": "b",
            "schedules.filter": "f",
            "schedules.clear": "ctrl+l",
            "schedules.chip1": "7",
            "schedules.details": "o",
            "missed.run": "u",
            "missed.later": "ctrl+g",
        }
    )
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MissedScreen)
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert labels[0] == "Run now (u)" and labels[-1] == "Later (^g)", labels
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        bar = app.screen.query_one(StatusBar)
        assert "(b: tick here)" in bar.render().plain
        assert shown(app.screen.query_one("#chip-pending", Chip)).startswith("7 [ ] Pending")
        assert shown(app.screen.query_one("#filter-text", Static)) == "f filter"
        await pilot.press("7")
        await settle(pilot)
        assert shown(app.screen.query_one("#chip-pending", Chip)).startswith("7 [x] Pending")
        await pilot.press("f")
        await settle(pilot)
        box = app.screen.query_one("#filter", Input)
        assert box.placeholder.endswith("^l to clear")
        await pilot.press(*"ord", "enter")
        await settle(pilot)
        hint = shown(app.screen.query_one("#filter-text", Static))
        assert hint == 'filter: "ord"  (f to change, ^l to clear)'
        table = app.screen.query_one(ScheduleTable)
        key = table.highlighted_key()
        assert key is not None
        table.post_message(ScheduleTable.ActionsClicked(key))
        await settle(pilot)
        assert isinstance(app.screen, ActionMenu)
        prompts = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert "Details  (o)" in prompts, prompts
        await pilot.press("escape")
        await settle(pilot)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert "(b: tick)" in app.screen.query_one(StatusBar).render().plain


async def test_the_review_queue_fits_its_columns_to_the_terminal(
    make_studio: MakeStudio,
) -> None:
    app = make_studio(review=True)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        wide = [column.width for column in table.columns.values()]
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        narrow = [column.width for column in table.columns.values()]
        assert narrow != wide
        # No column runs off the right edge: nothing to scroll sideways to.
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert table.max_scroll_x == 0
        path = str(table.get_row_at(2)[0])
        assert path.startswith("  …") and path.endswith(".orders.currency"), path


async def test_remapped_keys_show_in_the_review_queue_and_its_edit_prompt(
    make_studio: MakeStudio,
) -> None:
    app = make_studio(review=True)
    app.set_keymap({"review.accept_run": "Z", "edit_value.cancel": "ctrl+g"})
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        table = app.screen.query_one(DataTable)
        assert "Z accepts all" in str(table.get_row_at(0)[3])
        await pilot.press("up")  # the run's own row
        await settle(pilot)
        assert "Z accepts every pending proposal" in shown(app.screen.query_one("#detail", Static))
        await pilot.press("down", "e")
        await settle(pilot)
        assert isinstance(app.screen, EditValue)
        assert shown(app.screen.query_one(Static)).endswith("enter accepts your value, ^g cancels")
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)


async def test_the_empty_agenda_names_the_keys_bound_now(make_studio: MakeStudio) -> None:
    app = make_studio(demo=False)
    app.set_keymap({"agenda.back": "ctrl+g", "schedules.new": "y"})
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)
        empty = shown(app.screen.query_one("#empty", Static))
        assert "Press ^g, then y to add a schedule" in empty, empty


async def test_help_shows_every_schedules_page_key_under_a_heading(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        found = {title: items for title, items, _notes in sections(app)}
        assert ("x", "Cancel run") in found["Schedules: change the highlighted one, or add one"]
        assert ("m", "Skip missed") in found["Schedules: change the highlighted one, or add one"]
        assert ("S", "Reverse the sort") in found["Schedules: filter, sort, times"]
        assert ("z", "Times in each schedule's zone") in found["Schedules: filter, sort, times"]
        assert ("a", "Agenda of the coming week") in found["Other screens, ticking, quitting"]
        assert ("?", "Close") not in [i for items in found.values() for i in items]
        page = {title: items for title, items in found.items() if title not in OTHER_SCREENS}
        shown = [keys for items in page.values() for keys, _what in items]
        every = [*ScheduleTable.BINDINGS, *SchedulesScreen.BINDINGS, *StudioApp.BINDINGS]
        for b in Binding.make_bindings(every):
            key = app.get_key_display(b)
            assert any(key == keys or key in keys.split("/") for keys in shown), b
        await pilot.press("question_mark")
        await settle(pilot)
        titles = [str(t.render()) for t in app.screen.query(".title").results(Static)]
        assert titles == list(found)


async def test_table_takes_focus_back_when_the_studio_lost_focus_behind_a_dialog(
    make_studio: MakeStudio,
) -> None:
    # A browser tab or a terminal that reports focus blurs the studio while a dialog is open;
    # once it is back and the dialog is closed, `n` must reach the table, not the filter box.
    from textual import events

    app = make_studio(ask_missed=True)
    async with app.run_test(size=(120, 35)) as pilot:
        app.post_message(events.AppBlur())
        await settle(pilot)
        assert isinstance(app.screen, MissedScreen)
        app.post_message(events.AppFocus())
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        assert isinstance(app.focused, ScheduleTable)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleDialog)
