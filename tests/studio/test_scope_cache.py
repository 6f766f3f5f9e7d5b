"""The dialog's scope tree reads the database when a level opens; when the database cannot be
read it shows the cached listing with its age and the reason, and a key to try again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from rich.style import Style

from core.clock import FrozenClock
from studio_tui.screens.dialog import ScheduleDialog
from studio_tui.screens.schedules import SchedulesScreen
from studio_tui.widgets.scope_tree import ScopeTree
from tests.studio.conftest import MakeStudio, settle

pytestmark = pytest.mark.anyio


def lines_under_database(tree: ScopeTree) -> list[str]:
    return [tree.render_label(c, Style(), Style()).plain for c in tree.database_node.children]


async def test_an_unreachable_database_shows_the_cached_listing_with_why_and_a_retry(
    make_studio: MakeStudio, clock: FrozenClock, tmp_path: Path
) -> None:
    app = make_studio()
    shop = tmp_path / "demo" / "shop.db"
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        fresh = lines_under_database(app.screen.query_one(ScopeTree))
        assert fresh and not any(line.startswith("⚠") for line in fresh)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SchedulesScreen)

        clock.advance(timedelta(hours=3))
        shop.rename(shop.with_suffix(".gone"))
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleDialog)
        tree = app.screen.query_one(ScopeTree)
        stale, *cached = lines_under_database(tree)
        assert stale.startswith("⚠ cached 3 h ago (^r retries) — cannot open …/shop.db")
        assert "for DB profile 'demo'" in stale
        assert cached == fresh

        # Still unreachable: the line stays; with the file back, the retry clears it.
        tree.focus()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert lines_under_database(tree)[0] == stale
        shop.with_suffix(".gone").rename(shop)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert lines_under_database(tree) == fresh
