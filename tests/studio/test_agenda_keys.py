"""The Agenda screen driven by the keys a person would press, on the demo under the frozen clock."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList, Static

from core.schedules.spec import build_spec
from core.schedules.triggers import AfterTrigger, cron
from studio_tui.app import StudioApp
from studio_tui.screens.agenda import AgendaScreen
from studio_tui.screens.details import DetailsScreen
from studio_tui.screens.schedules import SchedulesScreen
from tests.studio.conftest import MakeStudio, settle

pytestmark = pytest.mark.anyio


def agenda_of(app: StudioApp) -> AgendaScreen:
    assert isinstance(app.screen, AgendaScreen)
    return app.screen


def add(app: StudioApp, name: str, expr: str) -> int:
    spec = build_spec(
        name=name, trigger=cron(expr), timezone="Asia/Jakarta", db_profile="demo", scope=["main"]
    )
    return app.core.schedules.create(spec).id


async def test_a_opens_the_agenda_and_escape_goes_back(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = agenda_of(app)
        assert screen.agenda is not None and screen.agenda.zone == "Asia/Jakarta"
        assert screen.current() is not None
        assert screen.current().name == "Payments audit"  # type: ignore[union-attr]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)


async def test_the_palette_opens_the_agenda(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Agenda")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AgendaScreen)


async def test_keys_move_over_fires_and_skip_day_titles(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = agenda_of(app)
        seen = []
        for key in ("j", "j", "j", "k"):
            await pilot.press(key)
            seen.append(screen.current())
        names = [line.name if line else None for line in seen]
        # Saturday's last fire, then Sunday's first: the title between them is passed over.
        assert names == [
            "Orders deep-dive",
            "Orders deep-dive",
            "Payments audit",
            "Orders deep-dive",
        ]
        await pilot.press("G")
        last = screen.current()
        assert last is not None and last.at.astimezone(screen_zone(screen)).day == 27
        await pilot.press("g")
        assert screen.current() is not None and screen.current().name == "Payments audit"  # type: ignore[union-attr]
        await pilot.press("end", "home", "pagedown")
        assert screen.current() is not None


def screen_zone(screen: AgendaScreen) -> object:
    from zoneinfo import ZoneInfo

    assert screen.agenda is not None
    return ZoneInfo(screen.agenda.zone)


async def test_enter_opens_the_highlighted_fires_schedule(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("j")
        screen = agenda_of(app)
        line = screen.current()
        assert line is not None and line.name == "Orders deep-dive"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailsScreen)
        assert app.screen.schedule_id == line.schedule_id
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


def add_after(app: StudioApp, name: str, upstream: str) -> int:
    spec = build_spec(
        name=name, trigger=AfterTrigger(upstream=upstream), db_profile="demo", scope=["main"]
    )
    return app.core.schedules.create(spec).id


async def test_what_runs_after_a_fire_follows_it_and_enter_opens_it(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    mail = add_after(app, "Orders [b]mail[/b]", "Orders deep-dive")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("j", "j")
        screen = agenda_of(app)
        line = screen.current()
        assert line is not None and (line.schedule_id, line.after) == (mail, 2)
        detail = str(screen.query_one("#detail", Static).render())
        assert detail.splitlines() == [
            "Orders [b]mail[/b] · after «Orders deep-dive» succeeds · DB profile demo",
            "It has no time of its own: each success of that schedule runs it once.",
        ]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailsScreen) and app.screen.schedule_id == mail


async def test_clash_is_explained_below_the_list(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = agenda_of(app)
        while (line := screen.current()) is not None and not line.clashes_with:
            await pilot.press("j")
        assert line is not None and line.name == "Catalog descriptions refresh"
        detail = str(screen.query_one("#detail", Static).render())
        assert "Clash: 'Orders deep-dive' on the same profile at once." in detail


async def test_names_are_shown_literally_never_as_markup(make_studio: MakeStudio) -> None:
    app = make_studio()
    add(app, "Test [bold]one[/] sweep", "0 10 * * *")
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = agenda_of(app)
        listing = screen.query_one(OptionList)
        prompts = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert any("Test [bold]one[/] sweep" in p for p in prompts)
        while (line := screen.current()) is not None and line.name != "Test [bold]one[/] sweep":
            await pilot.press("j")
        detail = str(screen.query_one("#detail", Static).render())
        assert detail.startswith("Test [bold]one[/] sweep · cron 0 10 * * * in Asia/Jakarta")


async def test_r_reads_the_agenda_again(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        screen = agenda_of(app)
        before = screen.agenda
        assert before is not None
        add(app, "Added elsewhere", "30 10 * * *")
        await pilot.press("r")
        await settle(pilot)
        assert (
            screen.agenda is not None and screen.agenda.fires == before.fires + 7
        )  # today 10:30 is still ahead


@pytest.mark.parametrize("rule", ["cron 0 7 * * 1", "cron 15 * * * * · 24 fires"])
def test_a_mark_is_never_cut_the_rule_gives_way(rule: str) -> None:
    from studio_tui.agenda_text import LineText

    text = LineText("13:00", "Weekly CRM review", rule, "demo", True, "clash", None)
    row = AgendaScreen._row(text, 11, 28, 26, 78).plain
    assert row.endswith("  paused · clash") and len(row) <= 78, row
    assert rule[:10] in row
