"""The `:` line: verbs run on the studio's own core, every form of a line, history, completion,
and the input pinned in sight whatever the output."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest
from textual.widgets import Input, RichLog

from core.api import Core
from studio_tui.app import StudioApp
from studio_tui.command_history import History, history_path
from studio_tui.screens.command import CommandScreen
from studio_tui.widgets.schedule_table import ScheduleTable
from tests.studio.conftest import MakeStudio, settle

pytestmark = pytest.mark.anyio


def output(app: StudioApp) -> list[str]:
    return [line.text for line in app.screen.query_one("#output", RichLog).lines]


def schedule_id(app: StudioApp, name: str) -> int:
    return next(s.id for s in app.core.schedules.list().items if s.name == name)


async def submit(pilot: Any, line: str) -> None:
    """Type a line into the open `:` line as a person would, and press enter."""
    box = pilot.app.screen.query_one("#line", Input)
    box.value = ""
    await pilot.press(*line, "enter")
    await settle(pilot)


async def open_line(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("colon")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CommandScreen)


def amx(url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real `amx` in a separate process."""
    return subprocess.run(
        [sys.executable, "-m", "studio_tui.cli", "--database-url", url, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_the_line_runs_on_the_studios_own_core(
    make_studio: MakeStudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_studio()
    opened: list[str | None] = []
    real_open = Core.open

    def counting_open(url: str | None = None, clock: Any = None) -> Core:
        opened.append(url)
        return real_open(url, clock)

    monkeypatch.setattr(Core, "open", staticmethod(counting_open))
    async with app.run_test(size=(200, 50)) as pilot:
        await open_line(pilot)
        nightly = schedule_id(app, "Nightly PII sweep")
        for line in ("/schedule status", f"/schedule pause {nightly}"):
            app.screen.query_one("#line", Input).value = line
            await pilot.press("enter")
            await settle(pilot)
        assert any(line.startswith("schedules ") for line in output(app)), output(app)
        assert app.core.schedules.get(nightly).status == "paused"
    assert opened == []


async def test_changes_cross_between_the_line_and_a_separate_process(
    make_studio: MakeStudio, db_url: str
) -> None:
    app = make_studio()
    app.refresh_every = 0.2
    async with app.run_test(size=(200, 50)) as pilot:
        await open_line(pilot)
        await submit(pilot, "/schedule status")
        assert any(line.startswith("daemon hook ") for line in output(app)), output(app)
        # A pause made on the line is what another process reads.
        nightly = schedule_id(app, "Nightly PII sweep")
        await submit(pilot, f"/schedule pause {nightly}")
        seen = await asyncio.to_thread(amx, db_url, "schedule", "show", str(nightly), "--json")
        assert seen.returncode == 0, seen.stderr
        assert json.loads(seen.stdout)["schedule"]["status"] == "paused"
        # A change another process makes reaches the studio at its next refresh.
        await pilot.press("escape")
        await settle(pilot)
        legacy = str(schedule_id(app, "Legacy events export"))
        table = app.screen.query_one(ScheduleTable)
        assert legacy in table.items
        done = await asyncio.to_thread(amx, db_url, "schedule", "rm", legacy, "--yes")
        assert done.returncode == 0, done.stderr
        for _ in range(50):
            if legacy not in table.items:
                break
            await pilot.pause(0.1)
        assert legacy not in table.items


async def test_every_form_of_a_line_runs_the_verb(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(200, 50)) as pilot:
        await open_line(pilot)
        assert app.screen.query_one("#line", Input).value == ""
        for line in ("status", "schedule status", "/schedule status", "/status"):
            await submit(pilot, line)
            shown = output(app)
            assert shown[shown.index(f": {line}") + 1].startswith("daemon hook"), shown
        await submit(pilot, "frobnicate")
        said = output(app)
        assert said[said.index(": frobnicate") + 1].startswith("error: unknown verb 'frobnicate'")
        await submit(pilot, "/schedule /schedule status")
        said = output(app)
        typed = said.index(": /schedule /schedule status")
        assert said[typed + 1].startswith("error: unknown verb '/schedule': give one of add,")


async def test_input_stays_in_sight_after_a_long_list(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_line(pilot)
        for _ in range(3):
            await submit(pilot, "/schedule list")
        screen = app.screen.region
        for part in ("#line", "#hint"):
            region = app.screen.query_one(part).region
            assert region.height and screen.contains_region(region), (part, region)
        log = app.screen.query_one("#output", RichLog)
        assert log.region.bottom <= app.screen.query_one("#hint").region.y
        assert log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y  # the newest in sight


async def test_output_is_shown_literally(make_studio: MakeStudio) -> None:
    app = make_studio()
    nightly = schedule_id(app, "Nightly PII sweep")
    info = app.core.schedules.get(nightly)
    app.core.schedules.edit(
        nightly, {"name": "Test [bold]one[/] sweep"}, expected_version=info.version
    )
    async with app.run_test(size=(200, 50)) as pilot:
        await open_line(pilot)
        await submit(pilot, "/schedule list")
        assert any("Test [bold]one[/] sweep" in line for line in output(app)), output(app)
        await submit(pilot, "[red]oops")
        assert ": [red]oops" in output(app)


async def test_up_and_down_walk_the_history_which_outlives_the_studio(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=(200, 50)) as pilot:
        await open_line(pilot)
        await submit(pilot, "status")
        await submit(pilot, "list --status paused")
        box = app.screen.query_one("#line", Input)
        await pilot.press(*"sh")
        await pilot.press("up")
        assert box.value == "list --status paused"
        await pilot.press("up")
        assert box.value == "status"
        await pilot.press("up")
        assert box.value == "status"
        await pilot.press("down", "down")
        assert box.value == "sh"  # the draft comes back
        await pilot.press("escape")
        await open_line(pilot)
        await pilot.press("up")
        assert app.screen.query_one("#line", Input).value == "list --status paused"
    assert History.load().lines == ["status", "list --status paused"]
    assert history_path().stat().st_mode & 0o077 == 0


async def test_tab_completes_verbs_ids_and_names(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(200, 50)) as pilot:
        await open_line(pilot)
        box = app.screen.query_one("#line", Input)
        await pilot.press(*"/schedule pa", "tab")
        assert box.value == "/schedule pause "
        await pilot.press(*"Nig", "tab")
        assert box.value == "/schedule pause 'Nightly PII sweep' "
        box.value = ""
        await pilot.press(*"s", "tab")
        assert box.value == "s"
        assert output(app)[-1].split() == ["show", "skip", "status"]
        nightly = schedule_id(app, "Nightly PII sweep")
        box.value = ""
        await pilot.press(*"pause ", *str(nightly), "tab")
        assert box.value == f"pause {nightly} "
        assert isinstance(app.screen, CommandScreen)  # tab stayed in the line


async def test_wrapped_output_keeps_every_character_in_sight_at_80x24(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_line(pilot)
        await submit(pilot, "schedule")
        log = app.screen.query_one("#output", RichLog)
        seen = log.scrollable_content_region.width  # left of the output's scrollbar
        lines = output(app)
        assert all(len(line.rstrip()) <= seen for line in lines), [len(x) for x in lines]
        said = " ".join(line.strip() for line in lines[1:])
        assert said.startswith("error: type a verb, e.g. status or list; the verbs are add, edit,")
        assert "list, show, pause, resume," in said and said.endswith("status, agenda.")
