"""The Templates page in pictures: the matrix wide and at 80x24, scrolled across many profiles,
a highlighted cell in each state, and the prompt for a template's values with a refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from studio_tui.screens.templates import TemplatesScreen
from tests.studio.conftest import MakeStudio, settle
from tests.studio.test_studio_snapshots import NARROW, WIDE, keys
from tests.studio.test_templates_screen import add_hourly, every_state
from tests.support.shop import make_shop


def at_cell(slug: str, profile: str, *presses: str) -> Any:
    """Open the matrix, put the cursor on a cell, then press keys."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TemplatesScreen)
        screen.cursor_at(slug, profile)
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_templates_matrix(snap: Any, make_studio: MakeStudio, tmp_path: Path) -> None:
    app = make_studio()
    every_state(app.core, tmp_path)
    assert snap(app, terminal_size=WIDE, run_before=keys("T"))


def test_templates_matrix_80x24(snap: Any, make_studio: MakeStudio, tmp_path: Path) -> None:
    app = make_studio()
    every_state(app.core, tmp_path)
    assert snap(app, terminal_size=NARROW, run_before=keys("T"))


@pytest.mark.parametrize(
    ("state", "slug", "profile"),
    [
        ("on", "daily-catalog-refresh", "demo"),
        ("failing", "daily-catalog-refresh", "warehouse"),
        ("paused", "nightly-pii", "demo"),
        ("none", "hourly-refresh", "warehouse"),
    ],
)
def test_templates_cell(
    snap: Any, make_studio: MakeStudio, tmp_path: Path, state: str, slug: str, profile: str
) -> None:
    app = make_studio()
    every_state(app.core, tmp_path)
    assert snap(app, terminal_size=NARROW, run_before=at_cell(slug, profile))


def test_templates_many_profiles_scrolled(
    snap: Any, make_studio: MakeStudio, tmp_path: Path
) -> None:
    app = make_studio()
    url = make_shop(tmp_path / "shop")
    for n in range(1, 15):
        app.core.profiles.add_db(f"shop-{n:02}", url)
    assert snap(
        app, terminal_size=NARROW, run_before=at_cell("daily-catalog-refresh", "shop-12", "space")
    )


def test_templates_prompt(snap: Any, make_studio: MakeStudio) -> None:
    app = make_studio()
    add_hourly(app.core)
    assert snap(app, terminal_size=NARROW, run_before=at_cell("hourly-refresh", "demo", "space"))


def test_templates_prompt_refusal(snap: Any, make_studio: MakeStudio) -> None:
    app = make_studio()
    add_hourly(app.core)
    presses = ("space", "a", "b", "enter")
    assert snap(app, terminal_size=NARROW, run_before=at_cell("hourly-refresh", "demo", *presses))


def test_templates_without_profiles(snap: Any, make_studio: MakeStudio) -> None:
    assert snap(make_studio(demo=False), terminal_size=NARROW, run_before=keys("T", "space"))
