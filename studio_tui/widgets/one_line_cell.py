"""One-line table cells drawn straight to segments.

DataTable draws every cell through Rich's general layout: the cell padded, styled, wrapped and
cut into lines twice over. For a one-line text that fits its column the outcome is a handful of
segments, and building them directly makes drawing a fresh page of the schedule table several
times quicker. They are the very segments Rich's layout makes (a test holds the two together).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text


def one_line(
    text: Text, width: int, padding: int, pre: Style, post: Style, console: Console
) -> list[Segment] | None:
    """`text` in a cell `width` cells wide with `padding` cells each side, styled `pre` under
    and `post` over its own styles, as DataTable draws it; None when the text needs Rich's
    layout (more than one line, tabs, a justification, or wider than the cell)."""
    plain = text.plain
    inner = width - 2 * padding
    if (
        inner < 0
        or "\n" in plain
        or "\t" in plain
        or text.justify not in (None, "default")
        or cell_len(plain) > inner
    ):
        return None
    # Rich joins the text's lines into one Text, its own style becoming a span under the rest.
    spans = [Span(0, len(plain), text.style), *text.spans] if text.style else text.spans
    joined = Text(plain, spans=spans, end="")
    under = pre + post if pre else post
    line = [Segment(" " * padding, under)] if padding else []
    for segment in joined.render(console):
        style = pre + segment.style
        line.append(Segment(segment.text, style + post if style else post))
    if cell_len(plain) < inner:
        line.append(Segment(" " * (inner - cell_len(plain)), under))
    if padding:
        line.append(Segment(" " * padding, under))
    return line
