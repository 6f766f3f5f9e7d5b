"""The studio's Textual themes and shared styles; status colours come from theme variables."""

from __future__ import annotations

from textual.theme import Theme

from themes.status import STATUS_VARIABLES, textual_themes, with_status_colors

# Status colours are theme variables; each theme's reach WCAG AA (4.5:1) on its background and
# surface (tests/test_theme_contrast.py measures them).

AMX_DARK = Theme(
    name="amx-dark",
    primary="#5FA8D3",
    secondary="#8E7DBE",
    accent="#F2A65A",
    warning="#E9C46A",
    error="#E76F51",
    success="#7BC67E",
    foreground="#E6E6E6",
    background="#15191E",
    surface="#1D232A",
    panel="#262E37",
    dark=True,
    variables={
        "status-pending": "#5FA8D3",
        "status-paused": "#A0A7B0",
        "status-running": "#F2A65A",
        "status-completed": "#7BC67E",
        "status-failed": "#E76F51",
        "status-missed": "#E9C46A",
        "status-cancelled": "#878D95",
        "footer-key-foreground": "#F2A65A",
    },
)

AMX_LIGHT = Theme(
    name="amx-light",
    primary="#1F6F9F",
    secondary="#5B4B9A",
    accent="#B5621A",
    warning="#8A6A00",
    error="#B3361B",
    success="#2E7D32",
    foreground="#1E2328",
    background="#F7F7F4",
    surface="#FFFFFF",
    panel="#E8EAE6",
    dark=False,
    variables={
        "status-pending": "#1F6F9F",
        "status-paused": "#5F6670",
        "status-running": "#A35815",
        "status-completed": "#2E7D32",
        "status-failed": "#B3361B",
        "status-missed": "#8A6A00",
        "status-cancelled": "#686E76",
        "footer-key-foreground": "#B5621A",
    },
)

# Ours first, then Textual's own under their own names, each given readable status colours.
THEMES = (AMX_DARK, AMX_LIGHT, *textual_themes(AMX_DARK, AMX_LIGHT))
DEFAULT_THEME = AMX_DARK.name

__all__ = [
    "AMX_DARK",
    "AMX_LIGHT",
    "DEFAULT_THEME",
    "STATUS_VARIABLES",
    "THEMES",
    "variable_defaults",
    "with_status_colors",
]


def variable_defaults() -> dict[str, str]:
    """Values for the app-specific variables when a theme registered elsewhere names none."""
    return dict(AMX_DARK.variables)
