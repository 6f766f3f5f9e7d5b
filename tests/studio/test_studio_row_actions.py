"""Every state offers its actions: a Running schedule can be cancelled, a Missed one skipped,
from the row's Actions cell, the keys and the command palette."""

from __future__ import annotations

from typing import Any

import pytest

from studio_tui.app import StudioApp
from studio_tui.screens.actions import ActionMenu
from studio_tui.screens.confirm import ConfirmScreen
from studio_tui.widgets.schedule_table import ScheduleTable
from tests.studio.conftest import MakeStudio, settle

pytestmark = pytest.mark.anyio


def status_of(app: StudioApp, name: str) -> str:
    return next(s.status for s in app.core.schedules.list().items if s.name == name)


async def highlight(pilot: Any, name: str) -> ScheduleTable:
    table: ScheduleTable = pilot.app.screen.query_one(ScheduleTable)
    key = next(k for k, s in table.items.items() if s.name == name)
    table.move_cursor(row=table.get_row_index(key))
    await settle(pilot)
    return table


async def test_a_running_schedule_offers_cancel_on_its_row(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = await highlight(pilot, "Payments audit")
        key = table.highlighted_key()
        assert key is not None
        assert "x" in str(table.get_cell(key, "actions")).split()
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert status_of(app, "Payments audit") == "cancelled"


async def test_cancel_from_the_actions_menu(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = await highlight(pilot, "Payments audit")
        key = table.highlighted_key()
        assert key is not None
        table.post_message(ScheduleTable.ActionsClicked(key))
        await settle(pilot)
        assert isinstance(app.screen, ActionMenu)
        assert app.screen.actions == ["cancel", "details"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert status_of(app, "Payments audit") == "cancelled"


async def test_a_missed_schedule_is_skipped_with_its_key(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = await highlight(pilot, "Quarter-end ledger snapshot")
        key = table.highlighted_key()
        assert key is not None
        assert "m" in str(table.get_cell(key, "actions")).split()
        await pilot.press("m")
        await settle(pilot)
        assert status_of(app, "Quarter-end ledger snapshot") == "cancelled"  # a one-shot


async def test_skip_and_cancel_from_the_palette(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await highlight(pilot, "Quarter-end ledger snapshot")
        await pilot.press("ctrl+p", *"Skip missed")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert status_of(app, "Quarter-end ledger snapshot") == "cancelled"
        await highlight(pilot, "Payments audit")
        await pilot.press("ctrl+p", *"Cancel run")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert status_of(app, "Payments audit") == "cancelled"


def test_cancel_confirmation_snapshot(snap: Any, make_studio: MakeStudio) -> None:
    from tests.studio.test_studio_snapshots import WIDE

    async def run(pilot: Any) -> None:
        await settle(pilot)
        await highlight(pilot, "Payments audit")
        await pilot.press("x")
        await settle(pilot)

    assert snap(make_studio(), terminal_size=WIDE, run_before=run)


async def test_missed_run_now_without_a_daemon_runs_it_here(make_studio: MakeStudio) -> None:
    from datetime import timedelta

    from studio_tui.screens.missed import MissedScreen

    app = make_studio(ask_missed=True)
    name = "Quarter-end ledger snapshot"
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, MissedScreen)
        await pilot.press("r")
        await settle(pilot)
        sid = next(s.id for s in app.core.schedules.list().items if s.name == name)
        for _ in range(100):
            runs = app.core.schedules.show(sid).runs
            if runs[0].status in ("succeeded", "failed"):
                break
            await pilot.pause(0.1)
        assert [r.status for r in runs] == ["succeeded", "missed"]
        assert any("ticks here" in n.message for n in app._notifications)
        # Later refreshes never mark it missed again.
        app.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
        app.screen.reload()  # type: ignore[attr-defined]
        await settle(pilot)
        assert status_of(app, name) == "completed"
        assert [r.status for r in app.core.schedules.show(sid).runs] == ["succeeded", "missed"]
        await pilot.press("t")  # stop ticking here
        await settle(pilot)
