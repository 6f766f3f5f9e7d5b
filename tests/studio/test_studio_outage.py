"""The studio when its PostgreSQL stops answering: no traceback, the last data stays on screen,
the status bar says so, and everything comes back when the server does."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from core.api import Core
from core.clock import FrozenClock
from core.demo import create_demo
from studio_tui.app import StudioApp
from studio_tui.screens.schedules import SchedulesScreen
from studio_tui.widgets.schedule_table import ScheduleTable
from studio_tui.widgets.status_bar import StatusBar
from tests.studio.conftest import hook_runner, settle
from tests.support.pg import Cluster, start_cluster

pytestmark = pytest.mark.postgres


@pytest.fixture
def studio(tmp_path: Path, clock: FrozenClock) -> Iterator[tuple[StudioApp, Cluster]]:
    """The demo studio on a PostgreSQL server of the test's own, which the test may stop."""
    cluster = start_cluster()
    core = Core.open(cluster.create_database("outage"), clock)
    create_demo(core, tmp_path / "demo")
    app = StudioApp(core, clock=clock, platform="linux", runner=hook_runner(False),
                    refresh_every=3600, ask_missed=False)  # fmt: skip
    yield app, cluster
    core.close()
    cluster.stop()


async def lose_the_server(pilot: Pilot[Any], cluster: Cluster) -> None:
    await settle(pilot)
    cluster.pause()
    screen = pilot.app.screen
    assert isinstance(screen, SchedulesScreen)
    screen.reload()
    await settle(pilot)


@pytest.mark.anyio
async def test_lost_and_found(
    studio: tuple[StudioApp, Cluster], clock: FrozenClock, anyio_backend: str
) -> None:
    app, cluster = studio
    async with app.run_test(size=(120, 35)) as pilot:
        await lose_the_server(pilot, cluster)
        bar = app.screen.query_one(StatusBar)
        assert bar.lost_since == clock.now()
        assert bar.has_class("-warning")
        assert len(app.screen.query_one(ScheduleTable).items) == 9, "the last board stays"
        [toast] = list(app._notifications)
        assert toast.title == "Lost the database" and "cannot reach the database" in toast.message
        assert app.is_running
        cluster.resume()
        screen = app.screen
        assert isinstance(screen, SchedulesScreen)
        screen.reload()
        await settle(pilot)
        assert bar.lost_since is None and "not answering" not in str(bar.render())
        assert "The database answers again." in [n.message for n in app._notifications]
        await pilot.press("n")  # and the studio works on as before
        await settle(pilot)
        assert type(app.screen).__name__ == "ScheduleDialog"


def test_snapshot_database_not_answering(
    snap_compare: Any, studio: tuple[StudioApp, Cluster], clock: FrozenClock
) -> None:
    app, cluster = studio

    async def run(pilot: Pilot[Any]) -> None:
        await lose_the_server(pilot, cluster)
        pilot.app.clear_notifications()  # the toast names a throwaway socket path
        clock.advance(timedelta(seconds=45))
        await pilot.pause(1.2)  # the bar's one-second clock catches up
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 12), run_before=run)


@pytest.mark.anyio
async def test_ticking_here_without_the_database_says_so(
    studio: tuple[StudioApp, Cluster], anyio_backend: str
) -> None:
    app, cluster = studio
    async with app.run_test(size=(120, 35)) as pilot:
        await lose_the_server(pilot, cluster)
        app.clear_notifications()
        await pilot.press("t")
        await settle(pilot)
        for _ in range(50):
            if any(n.title == "Could not tick here" for n in app._notifications):
                break
            await pilot.pause(0.1)
        [toast] = [n for n in app._notifications if n.title == "Could not tick here"]
        assert "cannot reach the database" in toast.message
        assert not app.ticker.running and app.is_running
