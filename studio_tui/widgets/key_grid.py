"""Keys and what they do, laid out in as many columns as fit; an item never breaks."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

GAP = 3


class KeyGrid(Widget):
    """`key  what it does` items in columns sized to the widest item."""

    DEFAULT_CSS = """
    KeyGrid { height: auto; }
    """

    def __init__(self, items: list[tuple[str, str]], **kwargs: str | None) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.items = items

    def _widths(self, width: int) -> list[int]:
        """The widths of the most columns that fit in `width`, reading row by row."""
        cells = [len(key) + 2 + len(what) for key, what in self.items]
        for columns in range(max(len(cells), 1), 0, -1):
            widths = [max(cells[c::columns], default=0) for c in range(columns)]
            if sum(widths) + GAP * (columns - 1) <= width:
                return widths
        return [max(cells, default=1)]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        columns = len(self._widths(width))
        return -(-len(self.items) // columns)

    def render(self) -> Text:
        widths = self._widths(self.size.width)
        columns = len(widths)
        out = Text(no_wrap=True, overflow="ellipsis")
        for start in range(0, len(self.items), columns):
            if start:
                out.append("\n")
            for index, (key, what) in enumerate(self.items[start : start + columns]):
                if index:
                    out.append(" " * GAP)
                out.append(key, style="bold")
                out.append(f"  {what}".ljust(widths[index] - len(key)))
        return out
