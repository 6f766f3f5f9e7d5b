"""Status colours for every theme: the studio's own themes choose theirs, any other theme gets
its own semantic colours, shaded until they are readable on its background."""

from __future__ import annotations

from dataclasses import replace

from textual.color import Color
from textual.theme import BUILTIN_THEMES, Theme

from themes.contrast import readable

# Each status, and the colour of the theme it takes its hue from (any other theme than ours).
STATUS_ROLES = {
    "status-pending": "primary",
    "status-paused": "foreground",
    "status-running": "accent",
    "status-completed": "success",
    "status-failed": "error",
    "status-missed": "warning",
    "status-cancelled": "foreground",
}
STATUS_VARIABLES = tuple(STATUS_ROLES)
# How far the quiet statuses fade into the background before being made readable again.
_FADE = {"status-paused": 0.3, "status-cancelled": 0.5}


def status_backgrounds(theme: Theme) -> tuple[Color, Color]:
    """The colours a status is drawn on in `theme`: its background and its surface. An ANSI
    theme draws on the terminal's own background, taken as black (dark) or white (light)."""
    colors = theme.to_color_system().generate()
    if _on_terminal_background(colors):
        plain = Color(0, 0, 0) if theme.dark else Color(255, 255, 255)
        return plain, plain
    return Color.parse(colors["background"]), Color.parse(colors["surface"])


def _on_terminal_background(colors: dict[str, str]) -> bool:
    return colors["background"].startswith("ansi_")


def derived_status_colors(theme: Theme, fallback: Theme) -> dict[str, str]:
    """Status colours taken from `theme`'s own colours, each readable (WCAG AA) on its
    background and surface. An ANSI theme takes `fallback`'s: its palette names are not
    colours that a cell's style can carry, and its background is unknown."""
    colors = theme.to_color_system().generate()
    if _on_terminal_background(colors):
        return {name: fallback.variables[name] for name in STATUS_VARIABLES}
    backgrounds = status_backgrounds(theme)
    derived = {}
    for name, role in STATUS_ROLES.items():
        color = Color.parse(colors[role]).with_alpha(1.0)
        if name in _FADE:
            color = color.blend(backgrounds[0], _FADE[name])
        derived[name] = readable(color, *backgrounds).hex
    return derived


def with_status_colors(theme: Theme, dark: Theme, light: Theme) -> Theme:
    """`theme` carrying status colours of its own (derived ones where it names none); `dark`
    and `light` lend theirs to ANSI themes."""
    if all(name in theme.variables for name in STATUS_VARIABLES):
        return theme
    derived = derived_status_colors(theme, dark if theme.dark else light)
    return replace(theme, variables={**derived, **theme.variables})


def textual_themes(dark: Theme, light: Theme) -> tuple[Theme, ...]:
    """Textual's own themes under their own names, each with readable status colours."""
    return tuple(with_status_colors(theme, dark, light) for theme in BUILTIN_THEMES.values())
