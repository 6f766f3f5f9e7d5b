"""Details of a scenario's run: its step runs (place, kind, status, attempt, duration, error),
and each step's own log lines when that step is picked; real child processes run the steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, RichLog

from core.api import Core
from core.schedules.spec import build_spec
from core.schedules.triggers import cron
from daemon.execute import execute
from daemon.tick import tick
from studio_tui.messages import OpenDetails
from studio_tui.screens.details import DetailsScreen
from tests.studio.conftest import MakeStudio, settle
from tests.studio.test_studio_snapshots import NARROW, WIDE
from tests.support.shop import make_shop

FAILING = "echo checking the export; echo 'no file named out.csv' >&2; exit 3"


def fired_scenario(core: Core, tmp_path: Path) -> int:
    """A schedule of three steps fired once: the catalog refreshed, a command that succeeds,
    one that fails; its id."""
    core.profiles.add_db("shop", make_shop(tmp_path / "shop"))
    (tmp_path / "check.sh").write_text(FAILING + "\n")
    spec = build_spec(
        name="Refresh and check",
        trigger=cron("0 6 * * *"),
        timezone="Asia/Jakarta",
        steps=[
            {"kind": "cache_refresh", "profile": "shop"},
            {"kind": "run_command", "argv": ["sh", "-c", "echo hello from step two"]},
            {
                "kind": "run_command",
                "name": "check export",
                "argv": ["sh", "check.sh"],
                "cwd": str(tmp_path),
            },
        ],
    )
    schedule_id = core.schedules.create(spec).id
    core.schedules.run_now(schedule_id)
    for claimed in tick(core, "here:vm:4242", slots=1).claimed:
        execute(core, claimed)
    return schedule_id


def log_lines(screen: Any) -> list[str]:
    return [strip.text.rstrip() for strip in screen.query_one("#log", RichLog).lines]


def open_details(schedule_id: int) -> Any:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.post_message(OpenDetails(schedule_id))
        await settle(pilot)

    return run


@pytest.mark.anyio
async def test_details_show_step_runs_and_each_steps_log(
    make_studio: MakeStudio, tmp_path: Path
) -> None:
    app = make_studio(demo=False)
    schedule_id = fired_scenario(app.core, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        await open_details(schedule_id)(pilot)
        screen = app.screen
        assert isinstance(screen, DetailsScreen)
        assert screen.has_class("-with-steps")
        steps = screen.query_one("#steps", DataTable)
        rows = [[str(c) for c in steps.get_row_at(i)] for i in range(steps.row_count)]
        assert [r[:4] for r in rows] == [
            ["1", "cache_refresh", "succeeded", "1"],
            ["2", "run_command", "succeeded", "1"],
            ["3", "check export", "failed", "1"],
        ]
        assert rows[2][5] == "sh check.sh exited with code 3: no file named out.csv"
        whole = log_lines(screen)
        await pilot.press("s")  # to the step runs: the first step's own lines
        await settle(pilot)
        assert steps.has_focus
        assert log_lines(screen)[0].startswith("step 1 cache_refresh · succeeded")
        await pilot.press("down")
        await settle(pilot)
        second = log_lines(screen)
        assert second[0].startswith("step 2 run_command · succeeded")
        assert any("hello from step two" in line for line in second)
        assert not any("no file named out.csv" in line for line in second)
        await pilot.press("down")
        await settle(pilot)
        third = log_lines(screen)
        assert third[0].startswith("step 3 check export · failed")
        assert any("no file named out.csv" in line for line in third[1:])
        assert not any("hello from step two" in line for line in third)
        await pilot.press("s")  # back to the runs: the whole run's log again
        await settle(pilot)
        assert screen.query_one("#runs", DataTable).has_focus
        assert log_lines(screen) == whole


def test_details_with_step_runs(snap: Any, make_studio: MakeStudio, tmp_path: Path) -> None:
    app = make_studio(demo=False)
    schedule_id = fired_scenario(app.core, tmp_path)

    async def run(pilot: Pilot[Any]) -> None:
        await open_details(schedule_id)(pilot)
        for key in ("s", "down", "down"):  # the failed step's own lines
            await pilot.press(key)
            await settle(pilot)

    assert snap(app, terminal_size=WIDE, run_before=run)


def test_details_with_step_runs_80x24(snap: Any, make_studio: MakeStudio, tmp_path: Path) -> None:
    app = make_studio(demo=False)
    schedule_id = fired_scenario(app.core, tmp_path)

    async def run(pilot: Pilot[Any]) -> None:
        # The second step's own lines: the whole run's log says how long each step took.
        await open_details(schedule_id)(pilot)
        for key in ("s", "down"):
            await pilot.press(key)
            await settle(pilot)

    assert snap(app, terminal_size=NARROW, run_before=run)
