"""Keys: moving in the table, quitting with nothing lost, and every key shown to people read from
the bindings, so remapping one binding changes the footer, help, hints and labels together."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Footer, Input, Label, Static
from textual.widgets._footer import FooterKey

from studio_tui.app import StudioApp
from studio_tui.screens.command import CommandScreen
from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.screens.dialog import ScheduleDialog
from studio_tui.screens.help import HelpScreen
from studio_tui.widgets.key_grid import KeyGrid
from studio_tui.widgets.schedule_table import ScheduleTable
from tests.studio.conftest import MakeStudio, settle

pytestmark = pytest.mark.anyio


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
