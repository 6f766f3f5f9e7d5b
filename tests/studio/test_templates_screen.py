"""The Templates page: the enable matrix as check cells, space toggling a cell on a worker
thread, the prompt for the values a template needs, enter opening a cell's instance."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from core.api import Core
from core.schedules.status import RunStatus, Status
from core.schedules.templates.model import template_def
from studio_tui.app import StudioApp
from studio_tui.screens.details import DetailsScreen
from studio_tui.screens.schedules import SchedulesScreen
from studio_tui.screens.template_params import TemplateParamsScreen
from studio_tui.screens.templates import TemplatesScreen
from studio_tui.widgets.schedule_table import ScheduleTable
from tests.studio.conftest import MakeStudio, settle
from tests.studio.test_studio_snapshots import NARROW, WIDE
from tests.support.shop import make_shop

HOURLY = {
    "slug": "hourly-refresh",
    "name": "Refresh at [b]an hour[/b] you choose",
    "parameters": [{"name": "hour", "type": "int", "description": "the hour it runs at"}],
    "trigger": {"cron": "0 {{ param.hour }} * * *", "timezone": "UTC"},
    "steps": [{"kind": "cache_refresh", "profile": "{{ profile.name }}"}],
}


def add_hourly(core: Core) -> None:
    """A template with a parameter that has no default."""
    core.templates.apply([template_def(HOURLY)])


def every_state(core: Core, tmp_path: Path) -> None:
    """A second DB profile and a cell in each state: on, paused, failing; the rest never on."""
    core.profiles.add_db("warehouse", make_shop(tmp_path / "warehouse"))
    add_hourly(core)
    core.templates.enable("daily-catalog-refresh", "demo")
    failing = core.templates.enable("daily-catalog-refresh", "warehouse")
    assert failing.schedule_id is not None
    run = core.runs.start_here(failing.schedule_id)
    core.runs.finish(run.id, RunStatus.FAILED, error="the catalog could not be read")
    core.templates.enable("nightly-pii", "demo", {"scope": "main"})
    core.templates.disable("nightly-pii", "demo")


def grid(screen: TemplatesScreen) -> list[list[str]]:
    table: DataTable[Any] = screen.query_one("#matrix", DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def said(screen: Any, selector: str = "#outcome") -> str:
    return str(screen.query_one(selector, Static).render())


async def open_matrix(app: StudioApp, pilot: Any) -> TemplatesScreen:
    await settle(pilot)
    await pilot.press("T")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, TemplatesScreen)
    return screen


@pytest.mark.anyio
async def test_the_matrix_shows_each_cell_state(make_studio: MakeStudio, tmp_path: Path) -> None:
    app = make_studio()
    every_state(app.core, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_matrix(app, pilot)
        assert [r[0] for r in grid(screen)] == [
            "daily-catalog-refresh",
            "failure-digest",
            "hourly-refresh",
            "nightly-pii",
            "weekly-dbt-docs",
        ]
        assert grid(screen)[0][1:] == ["✓ on", "✗ failing"]
        assert grid(screen)[3][1:] == ["‖ paused", "·"]
        assert grid(screen)[2][1:] == ["·", "·"]
        title = said(screen, "#title")
        assert title == "Templates · 5 templates by 2 DB profiles · 1 on, 1 paused, 1 failing"


@pytest.mark.anyio
async def test_space_turns_a_cell_on_and_off_on_a_worker_thread(make_studio: MakeStudio) -> None:
    app = make_studio()
    core = app.core
    seen: list[int] = []
    for name in ("enable", "disable"):
        real = getattr(core.templates, name)

        def spy(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            seen.append(threading.get_ident())
            return _real(*args, **kwargs)

        setattr(core.templates, name, spy)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_matrix(app, pilot)
        loop_thread = threading.get_ident()
        await pilot.press("space")  # the cursor starts on the first profile
        await settle(pilot)
        assert grid(screen)[0][1] == "✓ on"
        cell = core.templates.matrix().cell("daily-catalog-refresh", "demo")
        assert cell.state == "on"
        assert said(screen) == (
            f"Turned daily-catalog-refresh on for demo (schedule {cell.schedule_id})."
        )
        await pilot.press("space")
        await settle(pilot)
        assert grid(screen)[0][1] == "‖ paused"
        assert said(screen) == "Turned daily-catalog-refresh off for demo: its instance is paused."
        paused = core.templates.matrix().cell("daily-catalog-refresh", "demo")
        assert paused.status == Status.PAUSED
        assert paused.schedule_id == cell.schedule_id  # kept, with its history
        await pilot.press("space")
        await settle(pilot)
        assert grid(screen)[0][1] == "✓ on"
        assert len(seen) == 3 and loop_thread not in seen


@pytest.mark.anyio
async def test_a_toggle_the_core_refuses_is_said_literally(
    make_studio: MakeStudio, tmp_path: Path
) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_matrix(app, pilot)
        # nightly-pii analyses `public`, which the demo shop does not hold.
        await pilot.press("down", "down", "right", "space")
        await settle(pilot)
        assert grid(screen)[2][0] == "nightly-pii"
        assert grid(screen)[2][1] == "·"
        text = said(screen)
        assert text.startswith("Could not change nightly-pii for demo: scope public")
        assert screen.query_one("#outcome", Static).has_class("-error")


@pytest.mark.anyio
async def test_the_prompt_asks_for_values_shows_a_refusal_then_turns_the_cell_on(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    add_hourly(app.core)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_matrix(app, pilot)
        screen.cursor_at("hourly-refresh", "demo")
        await pilot.press("space")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TemplateParamsScreen)
        assert [p.name for p in prompt.parameters] == ["hour"]
        assert "[b]" not in said(prompt, "#heading")
        # A refusal's place takes no line until there is a refusal to show.
        assert not prompt.query_one("#refusal-0").display
        assert not prompt.query_one("#general").display
        await pilot.press("a", "b", "enter")
        await settle(pilot)
        assert app.screen is prompt
        assert said(prompt, "#refusal-0") == (
            "template 'hourly-refresh': parameter 'hour' is an int; 'ab' is not a number."
        )
        assert prompt.query_one("#refusal-0").display
        assert app.core.templates.matrix().cell("hourly-refresh", "demo").state is None
        field = prompt.query_one("#value-0", Input)
        field.value = ""
        await pilot.press("4", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        cell = app.core.templates.matrix().cell("hourly-refresh", "demo")
        assert cell.state == "on" and cell.params == {"hour": 4}
        assert grid(screen)[2][1] == "✓ on"
        # Off and on again keeps the instance's value: nothing to ask.
        await pilot.press("space")
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        assert app.screen is screen, said(screen)
        assert grid(screen)[2][1] == "✓ on", (said(screen), screen.highlighted())


@pytest.mark.anyio
async def test_the_prompt_asks_for_a_parameter_the_refusal_names(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()  # the demo profile has no owner e-mail for the digest's `to`
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_matrix(app, pilot)
        screen.cursor_at("failure-digest", "demo")
        await pilot.press("space")
        await settle(pilot)
        prompt = app.screen
        assert isinstance(prompt, TemplateParamsScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert said(prompt, "#refusal-0").endswith(
            "parameter 'mail_profile' is empty; give it a value."
        )
        await pilot.press("o", "f", "f", "i", "c", "e", "enter")
        await settle(pilot)
        assert [p.name for p in prompt.parameters] == ["mail_profile", "to"]
        assert "from parameter 'to'" in said(prompt, "#refusal-1")
        assert prompt.focused is prompt.query_one("#value-1", Input)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert said(screen) == "Left failure-digest for demo as it was."


@pytest.mark.anyio
async def test_enter_opens_the_cell_instance_details(
    make_studio: MakeStudio, tmp_path: Path
) -> None:
    app = make_studio()
    every_state(app.core, tmp_path)
    failing = app.core.templates.matrix().cell("daily-catalog-refresh", "warehouse")
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_matrix(app, pilot)
        await pilot.press("down", "enter")  # the cursor starts on the first profile
        await settle(pilot)
        assert app.screen is screen
        assert said(screen) == "failure-digest has no instance for demo yet; space turns it on."
        screen.cursor_at("daily-catalog-refresh", "warehouse")
        await pilot.press("enter")
        await settle(pilot)
        details = app.screen
        assert isinstance(details, DetailsScreen)
        assert details.schedule_id == failing.schedule_id
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


@pytest.mark.anyio
async def test_many_profiles_scroll_across_at_80x24(
    make_studio: MakeStudio, tmp_path: Path
) -> None:
    app = make_studio()
    url = make_shop(tmp_path / "shop")
    names = [f"shop-{n:02}" for n in range(1, 15)]
    for name in names:
        app.core.profiles.add_db(name, url)
    async with app.run_test(size=NARROW) as pilot:
        screen = await open_matrix(app, pilot)
        table: DataTable[Any] = screen.query_one("#matrix", DataTable)
        assert table.scroll_x == 0
        for _ in names:
            await pilot.press("right")
        await pilot.press("space")
        await settle(pilot)
        assert table.scroll_x > 0  # scrolled across, the template names kept at the left
        assert screen.highlighted() == ("daily-catalog-refresh", "shop-14")
        assert grid(screen)[0][-1] == "✓ on"
        assert app.core.templates.matrix().cell("daily-catalog-refresh", "shop-14").state == "on"


@pytest.mark.anyio
async def test_the_palette_opens_the_matrix(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        for key in "Templates":
            await pilot.press(key)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TemplatesScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, TemplatesScreen)


@pytest.mark.anyio
async def test_the_schedules_page_beneath_lists_an_instance_turned_on(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    nightly = {
        "slug": "nightly-main",
        "parameters": [],
        "trigger": {"cron": "0 2 * * *", "timezone": "UTC"},
        "steps": [{"kind": "analyze", "profile": "{{ profile.name }}", "scope": ["main"]}],
    }
    app.core.templates.apply([template_def(nightly)])
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_matrix(app, pilot)
        screen.cursor_at("nightly-main", "demo")
        await pilot.press("space")
        await settle(pilot)
        page = app.screen_stack[-2]
        assert isinstance(page, SchedulesScreen)
        listed = {s.name for s in page.query_one(ScheduleTable).items.values()}
        assert "nightly-main · demo" in listed
