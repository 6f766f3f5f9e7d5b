"""Every theme's status colours are readable: WCAG AA (4.5:1) on its background and surface."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.theme import BUILTIN_THEMES, Theme

from tests.studio.conftest import MakeStudio
from themes import AMX_DARK, AMX_LIGHT, STATUS_VARIABLES, THEMES, variable_defaults
from themes.contrast import READABLE, contrast, luminance, readable
from themes.status import status_backgrounds

BY_NAME = {theme.name: theme for theme in THEMES}


def resolved(theme: Theme) -> dict[str, str]:
    """The variables the studio styles with under `theme` (as App.get_css_variables merges)."""
    return {**variable_defaults(), **theme.to_color_system().generate(), **theme.variables}


def too_faint(theme: Theme, variables: dict[str, str]) -> list[str]:
    backgrounds = status_backgrounds(theme)
    faint = []
    for name in STATUS_VARIABLES:
        color = Color.parse(variables[name])
        ratio = min(contrast(color, background) for background in backgrounds)
        if ratio < READABLE:
            faint.append(f"{name} {color.hex} {ratio:.2f}:1")
    return faint


def test_contrast_of_known_pairs() -> None:
    black, white = Color(0, 0, 0), Color(255, 255, 255)
    assert contrast(black, white) == pytest.approx(21)
    assert contrast(white, white) == pytest.approx(1)
    assert contrast(Color.parse("#777777"), white) == pytest.approx(4.48, abs=0.01)
    assert luminance(Color.parse("#808080")) == pytest.approx(0.2159, abs=0.0001)


def test_readable_keeps_a_readable_colour_and_shades_a_faint_one() -> None:
    white = Color(255, 255, 255)
    blue = Color.parse("#1F6F9F")
    assert readable(blue, white) == blue
    yellow = Color.parse("#E9C46A")
    shaded = readable(yellow, white)
    assert contrast(shaded, white) >= READABLE
    assert shaded.hex != yellow.hex


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_status_colours_reach_aa_on_each_theme(name: str) -> None:
    theme = BY_NAME[name]
    assert too_faint(theme, resolved(theme)) == []


def test_every_textual_theme_carries_its_own_status_colours() -> None:
    assert set(BUILTIN_THEMES) <= set(BY_NAME)
    for name in BUILTIN_THEMES:
        assert all(variable in BY_NAME[name].variables for variable in STATUS_VARIABLES)


def test_the_light_theme_does_not_wear_the_dark_statuses() -> None:
    for name in STATUS_VARIABLES:
        assert AMX_LIGHT.variables[name] != AMX_DARK.variables[name]


@pytest.mark.parametrize("theme", ["amx-light", "textual-light", "solarized-light", "nord"])
def test_the_studio_styles_statuses_readably(make_studio: MakeStudio, theme: str) -> None:
    app = make_studio(demo=False, theme=theme)
    assert too_faint(app.current_theme, app.get_css_variables()) == []
