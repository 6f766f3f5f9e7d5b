"""The Agenda screen, one SVG per state, on fixed data under the frozen clock (Asia/Jakarta)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from core.clock import FrozenClock
from core.schedules.spec import build_spec
from core.schedules.triggers import AfterTrigger, cron
from studio_tui.app import StudioApp
from studio_tui.screens.agenda import AgendaScreen
from tests.studio.conftest import MakeStudio, settle
from tests.support.shop import make_shop

WIDE = (120, 35)
NARROW = (80, 24)


def keys(*presses: str) -> Any:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)

    return run


def add(app: StudioApp, name: str, expr: str, tz: str = "Asia/Jakarta") -> None:
    spec = build_spec(name=name, trigger=cron(expr), timezone=tz, db_profile="demo", scope=["main"])
    app.core.schedules.create(spec)


def test_agenda_week(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=WIDE, run_before=keys("a"))


def test_agenda_week_narrow(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=NARROW, run_before=keys("a"))


def test_agenda_empty(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(demo=False), terminal_size=NARROW, run_before=keys("a"))


def test_agenda_clash(snap: Any, make_studio: MakeStudio) -> None:
    # Sunday 09:00: the one-shot catalog refresh and the 6-hourly orders run on one profile.
    app = make_studio()
    add(app, "Test [bold]one[/] sweep", "0 9 * * *")
    assert snap(app, terminal_size=WIDE, run_before=keys("a", "j", "j", "j", "j", "j", "j"))


def test_agenda_after(snap: Any, make_studio: MakeStudio) -> None:
    # Under each fire of the orders deep-dive: what runs once it succeeds, down the chain.
    app = make_studio()
    for name, upstream in (("Orders mail", "Orders deep-dive"), ("Archive", "Orders mail")):
        spec = build_spec(
            name=name, trigger=AfterTrigger(upstream=upstream), db_profile="demo", scope=["main"]
        )
        app.core.schedules.create(spec)
    assert snap(app, terminal_size=WIDE, run_before=keys("a", "j", "j", "j"))


def test_agenda_dst(snap: Any, make_studio: MakeStudio, clock: FrozenClock, tmp_path: Path) -> None:
    # Friday 27 March 2026, 13:00 in Berlin; its clocks jump from 02:00 to 03:00 on Sunday.
    clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    app = make_studio(demo=False)
    app.core.profiles.add_db("demo", make_shop(tmp_path / "shop"))
    add(app, "Berlin nightly", "30 2 * * *", "Europe/Berlin")
    add(app, "Berlin hourly", "45 * * * *", "Europe/Berlin")

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app.push_screen(AgendaScreen(app.core, zone_name="Europe/Berlin", days=3))
        await settle(pilot)
        for key in ("j", "j", "j", "j"):
            await pilot.press(key)
        await settle(pilot)

    assert snap(app, terminal_size=WIDE, run_before=run)
