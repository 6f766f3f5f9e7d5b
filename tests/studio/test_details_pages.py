"""Details page through a long run history with the Older and Newer runs keys, offered only
where there are runs that way."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from core.clock import FrozenClock
from core.schedules.spec import build_spec
from core.schedules.triggers import cron
from core.storage.tables import Run
from studio_tui.screens.details import PAGE, DetailsScreen
from tests.studio.conftest import MakeStudio, settle
from tests.support.shop import make_shop

pytestmark = pytest.mark.anyio


async def opened_details(pilot: Pilot[Any]) -> DetailsScreen:
    """The details of the first schedule, opened as a person would."""
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DetailsScreen)
    return pilot.app.screen


async def test_older_and_newer_runs_page_and_stop_at_either_end(
    make_studio: MakeStudio, clock: FrozenClock, tmp_path: Path
) -> None:
    app = make_studio(demo=False)
    app.core.profiles.add_db("demo", make_shop(tmp_path / "shop"))
    spec = build_spec(name="Hourly", trigger=cron("0 * * * *"), db_profile="demo", scope=["main"])
    schedule = app.core.schedules.create(spec)
    now = clock.now()
    with app.core.db.write() as session:
        for hours in range(PAGE + 30, 0, -1):
            at = now - timedelta(hours=hours)
            session.add(
                Run(
                    schedule_id=schedule.id,
                    scheduled_for=at,
                    trigger="schedule",
                    status="succeeded",
                    started_at=at,
                    finished_at=at + timedelta(seconds=5),
                    created_at=at,
                )
            )
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await opened_details(pilot)

        def pager() -> str:
            return str(screen.query_one("#pager", Static).render())

        def offered() -> tuple[bool, bool]:
            older = screen.check_action("page", (1,))
            newer = screen.check_action("page", (-1,))
            return bool(older), bool(newer)

        assert pager() == "runs 1-100 of 130  ·  ] older / [ newer" and offered() == (True, False)
        await pilot.press("left_square_bracket")  # nothing newer: it stays
        await settle(pilot)
        assert pager().startswith("runs 1-100 of 130")
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert pager().startswith("runs 101-130 of 130") and offered() == (False, True)
        await pilot.press("right_square_bracket")  # nothing older: it stays
        await settle(pilot)
        assert pager().startswith("runs 101-130 of 130")
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert pager().startswith("runs 1-100 of 130")


async def test_a_schedule_without_runs_offers_neither_key(
    make_studio: MakeStudio, tmp_path: Path
) -> None:
    app = make_studio(demo=False)
    app.core.profiles.add_db("demo", make_shop(tmp_path / "shop"))
    spec = build_spec(name="Fresh", trigger=cron("0 2 * * *"), db_profile="demo", scope=["main"])
    app.core.schedules.create(spec)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened_details(pilot)
        assert not screen.check_action("page", (1,)) and not screen.check_action("page", (-1,))
        assert str(screen.query_one("#pager", Static).render()) == "no runs"
