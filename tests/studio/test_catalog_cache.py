"""The Catalog cache page: each DB profile's cache age, the schedules that refresh catalogs (not
on the Schedules page), and Refresh now on a worker thread with its outcome, errors literal."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static

from core.api import Core
from core.schedules.spec import build_spec
from core.schedules.triggers import cron
from studio_tui.screens.catalog_cache import CatalogCacheScreen
from studio_tui.widgets.schedule_table import ScheduleTable
from tests.studio.conftest import MakeStudio, settle
from tests.studio.test_studio_snapshots import NARROW, WIDE, keys
from tests.support.shop import make_shop


def add_refresh_schedule(core: Core, profile: str, name: str = "Nightly catalog refresh") -> int:
    spec = build_spec(
        name=name,
        trigger=cron("30 1 * * *"),
        timezone="Asia/Jakarta",
        steps=[{"kind": "cache_refresh", "profile": profile}],
    )
    return core.schedules.create(spec).id


def cells(table: DataTable[Any]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.anyio
async def test_the_page_lists_ages_and_refresh_schedules_and_refreshes_now(
    make_studio: MakeStudio, tmp_path: Path
) -> None:
    app = make_studio()
    core = app.core
    core.profiles.add_db("warehouse", make_shop(tmp_path / "warehouse"))
    add_refresh_schedule(core, "demo")
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        listed = pilot.app.screen.query_one(ScheduleTable).items.values()
        assert "Nightly catalog refresh" not in {s.name for s in listed}
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CatalogCacheScreen)
        profiles = cells(screen.query_one("#profiles", DataTable))
        assert [row[:3] for row in profiles] == [
            ["demo", "just now", "Nightly catalog refresh"],
            ["warehouse", "never", "—"],
        ]
        schedules = cells(screen.query_one("#schedules", DataTable))
        assert [row[:2] for row in schedules] == [["Nightly catalog refresh", "demo"]]
        # Refresh now reads the catalog on a worker thread, never on the event loop.
        loop_thread = threading.get_ident()
        seen: list[int] = []
        real = core.catalog.refresh

        def refresh(profile: str, schemas: Any = ()) -> dict[str, int]:
            seen.append(threading.get_ident())
            return real(profile, schemas)

        core.catalog.refresh = refresh  # type: ignore[method-assign]
        await pilot.press("down", "r")
        await settle(pilot)
        assert seen and seen[0] != loop_thread
        profiles = cells(screen.query_one("#profiles", DataTable))
        assert profiles[1][:2] == ["warehouse", "just now"]
        assert profiles[1][3] == "read 3 schemas, 4 tables, 15 columns"
        said = str(screen.query_one("#outcome", Static).render())
        assert said == "Refreshed 'warehouse': 3 schemas, 4 tables, 15 columns."


@pytest.mark.anyio
async def test_a_refresh_that_fails_says_why_literally(
    make_studio: MakeStudio, tmp_path: Path
) -> None:
    app = make_studio(demo=False)
    folder = tmp_path / "[bold]gone"
    url = make_shop(folder)
    app.core.profiles.add_db("gone", url)
    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CatalogCacheScreen)
        await pilot.press("r")
        await settle(pilot)
        said = str(screen.query_one("#outcome", Static).render())
        assert said.startswith("Could not refresh 'gone': ")
        assert "[bold]gone" in said  # the path as it is, never read as markup
        assert screen.query_one("#outcome", Static).has_class("-error")
        row = cells(screen.query_one("#profiles", DataTable))[0]
        assert row[1] == "never"
        assert row[3].startswith("failed: ")


def _with_schedules(app: Any, tmp_path: Path) -> None:
    app.core.profiles.add_db("warehouse", make_shop(tmp_path / "warehouse"))
    add_refresh_schedule(app.core, "demo")
    add_refresh_schedule(app.core, "warehouse", "Warehouse catalog")


def test_catalog_cache_page(snap: Any, make_studio: MakeStudio, tmp_path: Path) -> None:
    app = make_studio()
    _with_schedules(app, tmp_path)
    assert snap(app, terminal_size=WIDE, run_before=keys("c", "down", "r"))


def test_catalog_cache_page_80x24(snap: Any, make_studio: MakeStudio, tmp_path: Path) -> None:
    app = make_studio()
    _with_schedules(app, tmp_path)
    assert snap(app, terminal_size=NARROW, run_before=keys("c"))


def test_catalog_cache_page_without_refresh_schedules(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(), terminal_size=NARROW, run_before=keys("c"))


@pytest.mark.anyio
async def test_no_refresh_schedule_leaves_no_empty_table(make_studio: MakeStudio) -> None:
    app = make_studio()
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        title = str(app.screen.query_one("#schedules-title", Static).render())
        assert title == "Refresh schedules: none yet"
        assert not app.screen.query_one("#schedules", DataTable).display
        add_refresh_schedule(app.core, "demo")
        await pilot.press("escape", "c")
        await settle(pilot)
        assert app.screen.query_one("#schedules", DataTable).display
