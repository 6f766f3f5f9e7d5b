"""One-line cells drawn straight to segments are the segments Rich's layout makes."""

from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.renderables.styled import Styled
from textual.widgets import DataTable

from studio_tui.widgets.one_line_cell import one_line
from studio_tui.widgets.schedule_table import ScheduleTable
from tests.studio.conftest import MakeStudio, settle
from tests.studio.test_studio_snapshots import NARROW, WIDE

CONSOLE = Console(width=120, color_system="truecolor")
PRE = Style(bgcolor="#101010") + Style.from_meta({"row": 3, "column": 2})
POST = Style(color="#ffffff")


def rich_line(text: Text, width: int, pre: Style, post: Style) -> list[Segment]:
    """The cell as DataTable has Rich lay it out."""
    options = CONSOLE.options.update_dimensions(width, 1).update(no_wrap=True)
    (line,) = CONSOLE.render_lines(
        Styled(Padding(text, (0, 1)), pre_style=pre, post_style=post), options
    )
    return line


CELLS = [
    Text("Nightly orders"),
    Text(""),
    Text("Paused", style="bold #e0a000"),
    Text("failed 2 d ago", style="bold red"),
    Text.assemble(("Run ", "bold"), ("3/7", "italic green"), " left"),
    Text("ok ✗", spans=[]).append(" ✗", style="bold red"),
    Text("表データ", style="underline"),
    Text("fourteen cells"),
]


@pytest.mark.parametrize("text", CELLS, ids=lambda t: repr(t.plain))
@pytest.mark.parametrize(
    ("pre", "post"),
    [(PRE, POST), (PRE, Style.null()), (Style.null(), POST)],
    ids=["both", "pre", "post"],
)
def test_a_cell_that_fits_is_what_rich_makes(text: Text, pre: Style, post: Style) -> None:
    assert one_line(text, 16, 1, pre, post, CONSOLE) == rich_line(text, 16, pre, post)


@pytest.mark.parametrize(
    "text",
    [
        Text("two\nlines"),
        Text("a\ttab"),
        Text("right", justify="right"),
        Text("longer than the cell is"),
        Text("表データ表データ"),
        Text("fifteen cells ."),
    ],
    ids=lambda t: repr(t.plain),
)
def test_anything_else_takes_richs_way(text: Text) -> None:
    assert one_line(text, 16, 1, PRE, POST, CONSOLE) is None


@pytest.mark.anyio
@pytest.mark.parametrize("size", [WIDE, NARROW], ids=["wide", "narrow"])
async def test_the_table_draws_every_cell_as_datatable_would(
    make_studio: MakeStudio, size: tuple[int, int]
) -> None:
    app = make_studio()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table: Any = app.screen.query_one(ScheduleTable)
        table.move_cursor(row=2)
        style = table.rich_style
        drawn = 0
        for row in range(table.row_count):
            for column, spec in enumerate(table.ordered_columns):
                width = spec.get_render_width(table)
                for cursor in (False, True):
                    ours = table._render_cell(row, column, style, width, cursor=cursor)
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_cell(table, row, column, style, width, cursor=cursor)
                    table._cell_render_cache.clear()
                    assert ours == theirs, (row, column, cursor)
                    drawn += 1
        assert drawn > 100
