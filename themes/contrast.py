"""WCAG 2 contrast between two colours, and the nearest readable shade of a colour."""

from __future__ import annotations

from textual.color import Color

# WCAG 2 level AA for normal text.
READABLE = 4.5
_WHITE = Color(255, 255, 255)
_BLACK = Color(0, 0, 0)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: Color) -> float:
    """The WCAG relative luminance of an opaque colour, 0 (black) to 1 (white)."""
    return 0.2126 * _channel(color.r) + 0.7152 * _channel(color.g) + 0.0722 * _channel(color.b)


def contrast(one: Color, other: Color) -> float:
    """The WCAG contrast ratio of two opaque colours, 1 to 21."""
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(color: Color, *backgrounds: Color, minimum: float = READABLE) -> Color:
    """`color`, moved towards white on dark backgrounds (black on light ones) by as little as
    it takes to reach `minimum` against every one of `backgrounds`."""
    dark = luminance(backgrounds[0]) < 0.18
    target = _WHITE if dark else _BLACK
    for step in range(101):
        shade = color.blend(target, step / 100)
        if all(contrast(shade, background) >= minimum for background in backgrounds):
            return shade
    return target
