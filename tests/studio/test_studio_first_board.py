"""The studio's first board: loaded once when the OS answers for the daemon hook in time, and
loaded again when the answer comes in after the board was drawn without it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from core.api import Core
from core.clock import FrozenClock
from core.demo import create_demo
from daemon.hooks import Completed, RecordingRunner
from studio_tui.app import StudioApp
from studio_tui.screens import schedules
from studio_tui.screens.schedules import SchedulesScreen
from studio_tui.widgets.schedule_table import ScheduleTable
from studio_tui.widgets.status_bar import StatusBar
from tests.studio.conftest import hook_runner, settle


class HeldRunner(RecordingRunner):
    """A fake OS that answers for the hook only once the test lets it."""

    def __init__(self) -> None:
        super().__init__(default=Completed(1, "", "inactive\n"))
        self.answer = threading.Event()

    def run(self, argv: list[str], *, check: bool = False) -> Completed:
        self.answer.wait(30)
        return super().run(argv, check=check)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the full board loads the Schedules page makes."""
    loads: list[int] = []
    load_board = schedules.load_board

    def counted(*args: Any, **kwargs: Any) -> Any:
        loads.append(1)
        return load_board(*args, **kwargs)

    monkeypatch.setattr(schedules, "load_board", counted)
    return loads


async def _until(pilot: Pilot[Any], check: Callable[[], object]) -> None:
    """Let the app run until `check` holds (two seconds at most; the test's asserts then say)."""
    for _ in range(100):
        if check():
            return
        await pilot.pause(0.02)


def _studio(tmp_path: Path, clock: FrozenClock, runner: RecordingRunner) -> tuple[StudioApp, Core]:
    core = Core.open(f"sqlite:///{tmp_path / 'amx.db'}", clock)
    create_demo(core, tmp_path / "demo")
    app = StudioApp(core, clock=clock, platform="linux", runner=runner, refresh_every=3600,
                    ask_missed=False)  # fmt: skip
    return app, core


@pytest.mark.anyio
async def test_the_first_board_loads_once_when_the_hook_answers_in_time(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = _counting(monkeypatch)
    app, core = _studio(tmp_path, clock, hook_runner(False))
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        assert app.screen.query_one(StatusBar).firing.hook_installed is False
        assert len(loads) == 1
    core.close()


@pytest.mark.anyio
async def test_a_late_hook_answer_loads_the_board_again(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schedules, "HOOK_WAIT_S", 0.05)
    loads = _counting(monkeypatch)
    runner = HeldRunner()
    app, core = _studio(tmp_path, clock, runner)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = app.screen
        assert isinstance(screen, SchedulesScreen)
        await _until(pilot, lambda: screen.board is not None)
        assert screen.board is not None
        assert screen.query_one(StatusBar).firing.hook_installed is None  # not known yet
        runner.answer.set()
        await _until(pilot, lambda: screen.query_one(StatusBar).firing.hook_installed is not None)
        await settle(pilot)
        assert screen.query_one(StatusBar).firing.hook_installed is False
        assert len(loads) == 2
    core.close()


@pytest.mark.anyio
async def test_the_table_is_drawn_before_the_rest_of_the_board(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = _counting(monkeypatch)
    runner = HeldRunner()  # the rest of the board waits for the hook's answer
    app, core = _studio(tmp_path, clock, runner)
    names = sorted(s.name for s in core.schedules.list().items)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = app.screen
        assert isinstance(screen, SchedulesScreen)
        table = screen.query_one(ScheduleTable)
        await _until(pilot, lambda: table.row_count)
        assert sorted(s.name for s in table.items.values()) == names
        assert screen.board is None and not loads  # counts, firing and missed still to come
        pager = str(screen.query_one("#pager", Static).render())
        assert pager.startswith(f"1-{len(names)} of {len(names)}")
        runner.answer.set()
        await _until(pilot, lambda: screen.board is not None)
        await settle(pilot)
        assert screen.board is not None and len(loads) == 1
        assert screen.query_one(StatusBar).firing.hook_installed is False
        assert sorted(s.name for s in table.items.values()) == names
    core.close()


@pytest.mark.anyio
async def test_the_rest_of_the_board_keeps_the_first_page(
    tmp_path: Path, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start reads the table's page once: the rest of the board keeps the page just
    drawn, as missed detection changed nothing since."""
    app, core = _studio(tmp_path, clock, hook_runner(False))
    listed: list[object] = []
    service_list = core.schedules.list

    def counted(query: Any = None) -> Any:
        listed.append(query)
        return service_list(query)

    monkeypatch.setattr(core.schedules, "list", counted)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = app.screen
        assert isinstance(screen, SchedulesScreen)
        await _until(pilot, lambda: screen.board is not None)
        await settle(pilot)
        assert screen.board is not None and screen.board.counts
        pages = [q for q in listed if q == screen.list_query()]
        assert len(pages) == 1, listed
        assert screen.query_one(ScheduleTable).row_count == len(screen.board.page.items)
    core.close()


@pytest.mark.anyio
async def test_a_chip_pressed_before_the_board_came_is_the_one_shown(
    tmp_path: Path, clock: FrozenClock
) -> None:
    runner = HeldRunner()
    app, core = _studio(tmp_path, clock, runner)
    paused = sorted(s.name for s in core.schedules.list().items if s.status == "paused")
    assert paused
    async with app.run_test(size=(120, 35)) as pilot:
        screen = app.screen
        assert isinstance(screen, SchedulesScreen)
        table = screen.query_one(ScheduleTable)
        await _until(pilot, lambda: table.row_count)
        assert screen.board is None
        screen.action_chip("paused")  # while the first board still waits for the hook
        runner.answer.set()
        await settle(pilot)
        await pilot.pause(0.1)
        await settle(pilot)
        assert screen.board is not None
        assert sorted(s.name for s in table.items.values()) == paused
    core.close()
