"""Text from people, databases and LLMs as the studio shows it: literally, never as markup."""

from __future__ import annotations

from rich.text import Text

from core.text import printable


def literal(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """`text` drawn as it is: `[bold]` stays `[bold]`, control characters (and line breaks,
    unless `multiline`) are escaped."""
    return Text(printable(text, multiline=multiline), style=style)


def clipped(text: str, width: int, style: str = "") -> Text:
    """`literal(text)` cut to `width` cells with an ellipsis."""
    shown = printable(text)
    if len(shown) > width:
        shown = shown[: max(width - 1, 0)] + "…"
    return Text(shown, style=style)
