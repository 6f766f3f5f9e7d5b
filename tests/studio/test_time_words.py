"""Relative times round sensibly: the countdown never says `in 2 m` with 2 m 52 s left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studio_tui.time_words import relative

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "coarse", "precise"),
    [
        (172, "in 3 m", "in 2 m 52 s"),
        (45, "in 45 s", "in 45 s"),
        (4 * 3600 + 20 * 60, "in 4 h", "in 4 h 20 m"),
        (6 * 3600, "in 6 h", "in 6 h"),
        (-3 * 60, "3 m ago", "3 m ago"),
        (26 * 3600, "in 1 d", "in 1 d 2 h"),
    ],
)
def test_relative(seconds: int, coarse: str, precise: str) -> None:
    at = NOW + timedelta(seconds=seconds)
    assert relative(at, NOW) == coarse
    assert relative(at, NOW, precise=True) == precise
