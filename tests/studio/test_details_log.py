"""Details follow a running run's log live, and stop reading when the screen closes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import RichLog

from core.schedules.spec import build_spec
from core.schedules.triggers import cron
from studio_tui.screens.details import DetailsScreen
from tests.studio.conftest import MakeStudio, settle
from tests.support.shop import make_shop

pytestmark = pytest.mark.anyio


def log_lines(screen: Any) -> list[str]:
    return [strip.text.rstrip() for strip in screen.query_one("#log", RichLog).lines]


async def wait_for(pilot: Any, check: Any, seconds: float = 5.0) -> bool:
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
        await pilot.pause()
    return bool(check())


async def test_details_follow_a_running_runs_log_and_stop_when_closed(
    make_studio: MakeStudio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DetailsScreen, "POLL_S", 0.1)
    app = make_studio(demo=False)
    core = app.core
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    spec = build_spec(name="Test [bold]one[/] sweep", trigger=cron("0 2 * * *"),
                      timezone="Asia/Jakarta", db_profile="shop", scope=["public"])  # fmt: skip
    sid = core.schedules.create(spec).id
    run = core.runs.start_here(sid)
    core.runs.log.write(run.id, "info", "analysing [red]2[/] tables")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailsScreen)
        assert await wait_for(pilot, lambda: any("analysing" in t for t in log_lines(screen)))
        assert "09:00:00 info    analysing [red]2[/] tables" in log_lines(screen)  # not markup
        # A line written elsewhere while the run goes appears without a key being pressed.
        core.runs.log.write(run.id, "warning", "no longer in the database: public.gone")
        assert await wait_for(pilot, lambda: any("public.gone" in t for t in log_lines(screen)))
        # The run ends: its row and outcome follow, and reading stops.
        core.runs.log.write(run.id, "info", "succeeded: 2 tables")
        core.runs.finish(run.id, "succeeded", summary={"tables": 2})
        assert await wait_for(pilot, lambda: screen.runs[str(run.id)].status == "succeeded")
        assert log_lines(screen)[-1].endswith("succeeded: 2 tables")
        polls = screen.polls
        await asyncio.sleep(0.4)
        await pilot.pause()
        assert screen.polls == polls, "it read the log of a run that has ended"


async def test_closing_details_stops_following(
    make_studio: MakeStudio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DetailsScreen, "POLL_S", 0.1)
    app = make_studio(demo=False)
    core = app.core
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    spec = build_spec(name="long", trigger=cron("0 2 * * *"), timezone="Asia/Jakarta",
                      db_profile="shop", scope=["public"])  # fmt: skip
    run = core.runs.start_here(core.schedules.create(spec).id)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailsScreen)
        assert await wait_for(pilot, lambda: screen.polls >= 2)
        assert "no lines yet; they appear as the run goes" in log_lines(screen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, DetailsScreen)
        polls = screen.polls
        await asyncio.sleep(0.4)
        await pilot.pause()
        assert screen.polls == polls, "a closed screen still reads the log"
    assert core.runs.get(run.id).status == "running"
