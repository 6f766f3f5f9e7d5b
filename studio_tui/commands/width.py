"""How wide the command line's tables may be: the terminal's width, or no limit in a pipe."""

from __future__ import annotations

import os
import shutil
from typing import IO


def output_width(out: IO[str], given: int | None = None) -> int | None:
    """`given` (a pane's width in the studio); else $COLUMNS when it holds a width; the
    terminal's width when `out` is one; else None (a pipe or a file gets whole rows, for grep
    and friends)."""
    if given:
        return given
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isascii() and columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        tty = out.isatty()
    except (AttributeError, ValueError):
        tty = False
    return shutil.get_terminal_size().columns if tty else None
