"""The Schedules page names a scenario's steps: a Steps column at 120 columns once a schedule
runs several steps, none at 80 (the details say them there), and never a catalog refresh."""

from __future__ import annotations

from typing import Any

import pytest

from studio_tui.widgets.schedule_table import ScheduleTable
from tests.studio.conftest import MakeStudio, settle
from tests.studio.test_catalog_cache import add_refresh_schedule
from tests.studio.test_dialog_steps import _scenario
from tests.studio.test_studio_snapshots import WIDE, keys


@pytest.mark.anyio
async def test_the_steps_column_joins_when_a_schedule_runs_several(
    make_studio: MakeStudio,
) -> None:
    app = make_studio()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ScheduleTable)
        assert "steps" not in [c.key for c in table.layout_shown]  # one step each: no news
        _scenario(app.core)
        add_refresh_schedule(app.core, "demo")
        for size, shown in (((120, 35), True), ((80, 24), False)):
            await pilot.resize_terminal(*size)
            app.screen.reload()  # type: ignore[attr-defined]
            await settle(pilot)
            keys = [c.key for c in table.layout_shown]
            assert ("steps" in keys) is shown
            names = {s.name for s in table.items.values()}
            assert "Docs after analysis" in names
            assert "Nightly catalog refresh" not in names
            if shown:
                key = next(k for k, s in table.items.items() if len(s.steps) > 1)
                cell = str(table.get_row(key)[keys.index("steps")])
                assert cell == "analyze → export_docs, +2"


def test_schedules_with_a_steps_column(snap: Any, make_studio: MakeStudio) -> None:
    app = make_studio()
    _scenario(app.core)
    assert snap(app, terminal_size=WIDE, run_before=keys())
