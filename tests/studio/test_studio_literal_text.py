"""Names, scopes and errors are shown as typed: never read as Textual markup."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from textual.widgets import Static

from core.api import Core
from core.schedules.spec import build_spec
from core.schedules.triggers import once
from studio_tui.app import StudioApp
from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.screens.dialog import ScheduleDialog
from studio_tui.widgets.chips import Chip
from studio_tui.widgets.schedule_table import ScheduleTable
from tests.studio.conftest import MakeStudio, settle

pytestmark = pytest.mark.anyio

HOSTILE = "Test [bold]one[/] sweep"


def add_hostile(core: Core, name: str = HOSTILE) -> int:
    """A Pending one-shot tomorrow at 10:00 (Asia/Jakarta) with markup in its name."""
    tomorrow = (core.clock.now() + timedelta(days=1)).date()
    spec = build_spec(
        name=name,
        trigger=once(datetime.combine(tomorrow, time(10, 0))),
        timezone="Asia/Jakarta",
        db_profile="demo",
        scope=["main.users"],
        llm_profile="heuristic",
        review_strategy="manual",
    )
    return core.schedules.create(spec).id


def shown(widget: Static) -> str:
    return str(widget.render())


async def test_markup_in_a_name_is_shown_literally(make_studio: MakeStudio) -> None:
    app: StudioApp = make_studio()
    sid = add_hostile(app.core)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ScheduleTable)
        assert str(table.get_cell(str(sid), "name")).startswith("Test [bold]one[/]")
        table.move_cursor(row=table.get_row_index(str(sid)))
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        toasts = list(app._notifications)
        assert toasts and all(not n.markup for n in toasts)
        assert any(HOSTILE in n.message for n in toasts)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleDialog)
        assert HOSTILE in shown(app.screen.query_one("#title", Static))
        await pilot.press("escape")
        await settle(pilot)
        if isinstance(app.screen, ConfirmScreen):  # "Discard your changes?"
            await pilot.press("y")
            await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert HOSTILE in shown(app.screen.query_one("#question", Static))


async def test_the_active_chip_keeps_its_mark(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("1")
        await settle(pilot)
        chip = app.screen.query_one("#chip-pending", Chip)
        assert shown(chip).startswith("1 [x] Pending")
        assert shown(app.screen.query_one("#chip-paused", Chip)).startswith("2 [ ] Paused")


def test_hostile_names_snapshot(snap: Any, make_studio: MakeStudio) -> None:
    from tests.studio.test_studio_snapshots import WIDE, keys

    app = make_studio()
    add_hostile(app.core)
    add_hostile(app.core, "[red]Red[/red] [link=x]scope[/link] \\[b]")
    assert snap(app, terminal_size=WIDE, run_before=keys())


def test_no_color_active_chip(
    snap: Any, make_studio: MakeStudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.studio.test_studio_snapshots import NARROW, keys

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_studio()
    assert snap(app, terminal_size=NARROW, run_before=keys("1"))
