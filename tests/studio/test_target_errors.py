"""The scope tree on a DB profile whose file is not a database: the error, never empty levels."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from core.api import Core
from studio_tui.widgets.scope_tree import ScopeTree
from tests.test_targets import single, spoil


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Host(App[None]):
    """A scope tree over a real profile's catalog."""

    def __init__(self, core: Core, profile: str, database: str) -> None:
        super().__init__()
        self.core = core
        self.profile = profile
        self.database = database

    def compose(self) -> ComposeResult:
        catalog = self.core.catalog
        profile = self.profile
        yield ScopeTree(
            lambda parent: catalog.children(profile, parent, refresh=True),
            profile,
            self.database,
            now=self.core.clock.now,
        )


@pytest.mark.anyio
async def test_the_scope_tree_shows_the_error_for_a_png_profile(core: Core, tmp_path: Path) -> None:
    spoil(single(core, tmp_path))
    app = Host(core, "one", "one")
    async with app.run_test() as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        tree = app.query_one(ScopeTree)
        lines = [str(child.label) for child in tree.database_node.children]
        assert len(lines) == 1 and lines[0].startswith("⚠ DB profile 'one' points at"), lines
        assert "not a SQLite database" in lines[0]
