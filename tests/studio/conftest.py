"""The studio on fixed data: the demo shop under a frozen clock, Asia/Jakarta, a fake OS."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import WorkerCancelled

from core.api import Core
from core.clock import FrozenClock
from core.demo import create_demo
from daemon.heartbeat import register
from daemon.hooks import Completed, RecordingRunner
from daemon.hooks import systemd as systemd_hook
from studio_tui.app import StudioApp
from tests.support.workers import add_worker

MakeStudio = Callable[..., StudioApp]
SNAPSHOTS = Path(__file__).parent / "__snapshots__"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def hook_runner(installed: bool) -> RecordingRunner:
    """A fake OS: systemd answering as if the unit were (or were not) installed and active."""
    if installed:
        unit = systemd_hook.path()
        unit.parent.mkdir(parents=True, exist_ok=True)
        unit.write_text("[Unit]\n")
        return RecordingRunner(
            answers={
                tuple(systemd_hook.IS_ENABLED): Completed(0, "enabled\n"),
                tuple(systemd_hook.IS_ACTIVE): Completed(0, "active\n"),
            }
        )
    return RecordingRunner(default=Completed(1, "", "inactive\n"))


@pytest.fixture
def make_studio(db_url: str, tmp_path: Path, clock: FrozenClock) -> Iterator[MakeStudio]:
    """Builds the studio on a new database (each backend in turn), by default with the demo."""
    cores: list[Core] = []

    def make(
        *,
        demo: bool = True,
        installed: bool = False,
        heartbeat_age: float | None = None,
        team: tuple[tuple[str, float | None], ...] = (),
        ask_missed: bool = False,
        theme: str = "amx-dark",
        review: bool = False,
    ) -> StudioApp:
        core = Core.open(db_url, clock)
        cores.append(core)
        if demo:
            create_demo(core, tmp_path / "demo")
        if heartbeat_age is not None:
            register(core.db, "vm:4242:a1b2c3", clock.now() - timedelta(seconds=heartbeat_age))
        for host, skew in team:
            add_worker(core.db, host, clock.now() - timedelta(seconds=20), skew)
        if review:
            first = core.schedules.list().items[0].id
            run = core.runs.start_here(first)
            core.job.execute(first, run.id)
        return StudioApp(
            core,
            clock=clock,
            theme=theme,
            platform="linux",
            runner=hook_runner(installed),
            refresh_every=3600,
            ask_missed=ask_missed,
        )

    yield make
    for core in cores:
        core.close()


async def settle(pilot: Pilot[Any]) -> None:
    """Wait for loads to finish, steady every cursor, and let the screen catch up."""
    for _ in range(3):
        # A reload replaces the one before it (exclusive workers): a cancelled one is fine.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


@pytest.fixture
def snap(snap_compare: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """`snap_compare` with one picture per screen state: on PostgreSQL the studio must draw
    exactly the picture accepted on SQLite (same demo data, same clock)."""
    if request.node.callspec.params.get("db_url") != "postgres":
        return snap_compare
    from pytest_textual_snapshot import normalize_svg
    from textual._doc import take_svg_screenshot

    name = request.node.name.replace("[postgres]", "[sqlite]").replace("[postgres-", "[sqlite-")
    accepted = SNAPSHOTS / Path(request.node.path).stem / f"{name}.svg"

    def compare(app: StudioApp, **options: Any) -> bool:
        drawn = normalize_svg(take_svg_screenshot(app=app, **options))
        if drawn == normalize_svg(accepted.read_text(encoding="utf-8")):
            return True
        (tmp_path / "postgres.svg").write_text(drawn, encoding="utf-8")
        pytest.fail(f"PostgreSQL drew {tmp_path / 'postgres.svg'}, not {accepted}")

    return compare
