"""Text from people, databases and LLMs as the studio shows it: literally, never as markup."""

from __future__ import annotations

from rich.text import Text

from core.text import printable


def literal(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """`text` drawn as it is: `[bold]` stays `[bold]`, control characters (and line breaks,
    unless `multiline`) are escaped."""
    return Text(printable(text, multiline=multiline), style=style)


def clipped(text: str, width: int, style: str = "", *, keep_end: bool = False) -> Text:
    """`literal(text)` cut to `width` cells with an ellipsis; with `keep_end`, its start is cut
    instead (a path, whose last names tell its rows apart)."""
    shown = printable(text)
    if len(shown) > width:
        kept = max(width - 1, 0)
        shown = "…" + shown[len(shown) - kept :] if keep_end else shown[:kept] + "…"
    return Text(shown, style=style)
