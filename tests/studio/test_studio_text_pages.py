"""The text filter on a large list: a text found in more than TOTAL_CAP schedules shows
"1000+" rather than counting every match as one types, and the pages still go on past it."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from core.schedules.service import ListQuery
from tests.studio.conftest import MakeStudio, settle
from tests.support.schedule_rows import fill_schedules

pytestmark = pytest.mark.anyio


async def test_a_common_text_shows_more_than_the_cap_and_pages_past_it(
    make_studio: MakeStudio,
) -> None:
    app = make_studio(demo=False)
    fill_schedules(app.core, 1300)
    matching = app.core.schedules.list(ListQuery(text="public.", limit=1)).total
    assert 1000 < matching < 1200
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"public.", "enter")
        await settle(pilot)

        def pager() -> str:
            return str(app.screen.query_one("#pager", Static).render())

        assert pager().startswith("1-200 of 1000+"), pager()
        for _ in range(5):
            await pilot.press("right_square_bracket")
            await settle(pilot)
        # The last page: its total is exact again (no match is past its end).
        assert pager().startswith(f"1001-{matching} of {matching}"), pager()
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert pager().startswith(f"1001-{matching} of {matching}"), pager()
