"""The dialog's Steps section pictured: a scenario's steps with one step's settings, at both
sizes, and a step's setting refused beside it."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from studio_tui.messages import OpenDialog
from tests.studio.conftest import MakeStudio, settle
from tests.studio.test_dialog_steps import TO_STEPS, _scenario
from tests.studio.test_studio_snapshots import NARROW, WIDE


def edit_scenario(*presses: str) -> Any:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        core = pilot.app.core  # type: ignore[attr-defined]
        found = next(s for s in core.schedules.list().items if s.name == "Docs after analysis")
        pilot.app.post_message(OpenDialog(found))
        await settle(pilot)
        for key in ("tab",) * TO_STEPS + presses:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_dialog_steps_section(snap: Any, make_studio: MakeStudio) -> None:
    # The export step highlighted: its settings, built from its kind, under the list.
    app = make_studio()
    _scenario(app.core)
    assert snap(app, terminal_size=WIDE, run_before=edit_scenario("down"))


def test_dialog_steps_section_80x24(snap: Any, make_studio: MakeStudio) -> None:
    app = make_studio()
    _scenario(app.core)
    assert snap(app, terminal_size=NARROW, run_before=edit_scenario("down", "down"))


def test_dialog_step_setting_refused(snap: Any, make_studio: MakeStudio) -> None:
    # A new export step without its path: the core's sentence under the path, which has focus.
    app = make_studio()
    _scenario(app.core)
    run = edit_scenario("a", "down", "down", "down", "enter", "ctrl+s")
    assert snap(app, terminal_size=WIDE, run_before=run)
