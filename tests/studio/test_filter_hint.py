"""The text filter's hint beside the chips shows the longest of its forms that fits the width
left: the whole sentence at 120 columns, the text alone at 80, cut with an ellipsis when even
that is too long."""

from __future__ import annotations

import pytest

from studio_tui.widgets.chips import FilterHint
from tests.studio.conftest import MakeStudio, settle

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("size", "typed", "hint"),
    [
        ((120, 35), "ord", 'filter: "ord"  (/ to change, esc to clear)'),
        ((80, 24), "ord", '"ord"'),
        ((80, 24), "a much longer text", '"a much …'),
    ],
)
async def test_the_hint_fits_the_width_left(
    make_studio: MakeStudio, size: tuple[int, int], typed: str, hint: str
) -> None:
    app = make_studio()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("slash", *typed, "enter")
        await settle(pilot)
        widget = app.screen.query_one(FilterHint)
        line = widget.render_line(0).text.strip()
        assert line == hint
