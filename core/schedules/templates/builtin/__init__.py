"""The templates that ship with the product, one YAML file each."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from core.schedules.templates.files import parse_templates
from core.schedules.templates.model import TemplateDef

_HERE = Path(__file__).parent


@cache
def builtin_templates() -> tuple[TemplateDef, ...]:
    """The built-in templates, by file name."""
    found: list[TemplateDef] = []
    for path in sorted(_HERE.glob("*.yaml")):
        found += parse_templates(path.read_text(encoding="utf-8"), path.name)
    return tuple(found)
