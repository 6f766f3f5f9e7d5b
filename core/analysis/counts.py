"""An analysis run's counts in words, one way for its log, the command line and the studio."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.text import counted


def analysis_counts(summary: Mapping[str, Any], *, tokens: bool = True) -> str:
    """`3 tables, 22 columns, 47 proposals (47 applied), 0 tokens` from a run's summary."""

    def number(key: str) -> int:
        return int(summary.get(key) or 0)

    words = [
        counted(number("tables"), "table"),
        counted(number("columns"), "column"),
        f"{counted(number('proposals'), 'proposal')} ({number('applied'):,} applied)",
    ]
    if tokens:
        words.append(counted(number("tokens"), "token"))
    return ", ".join(words)
