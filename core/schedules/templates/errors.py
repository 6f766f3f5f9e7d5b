"""Refusals of a template's parameter values, kept apart from the templates' models so a front
end can tell them apart without loading pydantic or the renderer."""

from __future__ import annotations

from core.errors import InvalidInput


class ParameterRefused(InvalidInput):
    """A parameter's value refused (of the wrong type, unknown to the template, or missing);
    `field` is the parameter's name."""


class MissingParameter(ParameterRefused):
    """A parameter without a default that instantiating needs and was not given; a front end
    says how to give it."""

    def __init__(self, template: str, name: str, kind: str) -> None:
        super().__init__(
            name,
            f"template {template!r} needs parameter {name!r} ({kind}), which has no "
            "default; give it a value.",
        )
        self.template = template
