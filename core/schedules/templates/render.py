"""Rendering a template for one DB profile: its parameters' values and the profile's own fields
fill the `{{ … }}` of every string of the body, in a sandbox where an undefined name fails."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined
from jinja2.sandbox import SandboxedEnvironment

from core.errors import InvalidInput
from core.schedules.scenario.files import spec_of_document
from core.schedules.spec import ScheduleSpec
from core.schedules.templates.errors import MissingParameter, ParameterRefused
from core.schedules.templates.model import TemplateDef, coerce

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
# A string that is exactly one expression keeps its value's type (an int, a scope's list).
_ONE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\}\}).)*)\}\}\s*$", re.DOTALL)
_STEP_FIELD = re.compile(r"^(steps|on_failure|on_missed)\[(\d+)\](?:\.(\w+))?")
_LEAD_KEY = {"db_profile": "profile", "review_strategy": "review", "llm_profile": "llm_profile",
             "scope": "scope", "database": "database"}  # fmt: skip
_TRIGGER_FIELDS = ("trigger", "timezone", "fire_at", "cron", "every", "anchor", "after")


def instance_name(slug: str, profile: str) -> str:
    """The name of a template's instance for a DB profile."""
    return f"{slug} · {profile}"


def parameter_values(template: TemplateDef, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter's value: the given one in its type, else its default; a parameter the
    template lacks, or a required one without a value, is refused naming it."""
    unknown = sorted(set(given) - {p.name for p in template.parameters})
    if unknown:
        names = ", ".join(p.name for p in template.parameters) or "none"
        raise ParameterRefused(
            unknown[0],
            f"template {template.slug!r} has no parameter {unknown[0]!r}; its parameters: {names}.",
        )
    values: dict[str, Any] = {}
    for parameter in template.parameters:
        if parameter.name in given:
            try:
                values[parameter.name] = coerce(parameter, given[parameter.name])
            except InvalidInput as exc:
                raise ParameterRefused(
                    parameter.name, f"template {template.slug!r}: {exc.message}"
                ) from None
        elif parameter.default is not None:
            values[parameter.name] = parameter.default
        elif parameter.required:
            raise MissingParameter(template.slug, parameter.name, parameter.type)
    return values


def render_body(template: TemplateDef, context: Mapping[str, Any]) -> dict[str, Any]:
    """The template's body with every string rendered; a string that cannot be rendered is
    refused naming the template, the place and the parameter it uses."""
    return {key: _render(template, value, key, context) for key, value in template.body.items()}


def render_spec(
    template: TemplateDef, profile: Mapping[str, Any], values: Mapping[str, Any]
) -> ScheduleSpec:
    """The spec of the template's instance for a DB profile (`profile` holds its name,
    owner_email and labels) with these parameter values (see `parameter_values`)."""
    facts = {k: v for k, v in profile.items() if v is not None}  # a missing one is undefined
    body = render_body(template, {"param": dict(values), "profile": facts})
    document = {"name": instance_name(template.slug, str(profile["name"])), **body}
    try:
        return spec_of_document(document)
    except InvalidInput as exc:
        raise refusal(template, exc) from None


def _render(template: TemplateDef, value: Any, path: str, context: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _render(template, v, f"{path}.{k}", context) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(template, v, f"{path}[{i + 1}]", context) for i, v in enumerate(value)]
    if not isinstance(value, str) or "{" not in value:
        return value
    try:
        whole = _ONE_EXPRESSION.match(value)
        if whole:
            result = _ENV.compile_expression(whole["expr"], undefined_to_none=False)(**context)
            if isinstance(result, Undefined):
                str(result)  # raises the undefined name's error
            return result
        return _ENV.from_string(value).render(**context)
    except TemplateError as exc:
        where = _place(template, _field_of_path(path))
        used = _parameters_in(value)
        source = f", from parameter {used[0]!r}" if used else ""
        raise InvalidInput(
            path,
            f"template {template.slug!r}, {where}{source}: {{{{ }}}} cannot be rendered: "
            f"{str(exc.message or exc).rstrip('.')}.",
        ) from None


def _field_of_path(path: str) -> str:
    """A rendering path (`steps[2].scope[1]`) as the field a refusal names (`steps[2].scope`)."""
    match = _STEP_FIELD.match(path)
    if match:
        section, number, key = match.groups()
        return f"{section}[{number}]" + (f".{key}" if key else "")
    return path.split(".")[0].split("[")[0]


def _parameters_in(raw: Any) -> list[str]:
    return list(dict.fromkeys(re.findall(r"param\.(\w+)", json.dumps(raw, default=str))))


def _place(template: TemplateDef, field: str) -> str:
    """Where in the template a field is: `steps[2] (analyze), field scope`, or `trigger`."""
    match = _STEP_FIELD.match(field)
    if match:
        section, number, key = match.groups()
        steps = template.body.get(section) or []
        index = int(number) - 1
        step = steps[index] if isinstance(steps, list) and 0 <= index < len(steps) else {}
        kind = step.get("kind", "?") if isinstance(step, dict) else "?"
        return f"{section}[{number}] ({kind})" + (f", field {key}" if key else "")
    if field in _LEAD_KEY:
        steps = template.body.get("steps") or []
        for index, step in enumerate(steps):
            if isinstance(step, dict) and step.get("kind") == "analyze":
                return f"steps[{index + 1}] (analyze), field {_LEAD_KEY[field]}"
    if field in _TRIGGER_FIELDS or field.startswith("trigger"):
        return "trigger"
    return f"field {field}"


def _raw_at(template: TemplateDef, field: str) -> Any:
    match = _STEP_FIELD.match(field)
    if match:
        section, number, key = match.groups()
        steps = template.body.get(section) or []
        index = int(number) - 1
        step = steps[index] if isinstance(steps, list) and 0 <= index < len(steps) else {}
        return step.get(key) if key and isinstance(step, dict) else step
    if field in _LEAD_KEY:
        for step in template.body.get("steps") or []:
            if isinstance(step, dict) and step.get("kind") == "analyze":
                return step.get(_LEAD_KEY[field])
    if field in _TRIGGER_FIELDS or field.startswith("trigger"):
        return template.body.get("trigger")
    return template.body.get(field)


def refusal(template: TemplateDef, error: InvalidInput) -> InvalidInput:
    """A core refusal of a rendered body, naming the template, the step, the field and the
    parameter the field's value came from."""
    field = error.field or "steps"
    used = _parameters_in(_raw_at(template, field))
    source = f", from parameter {used[0]!r}" if used else ""
    detail = _STEP_FIELD.sub("", error.message).lstrip()
    detail = re.sub(r"^\([\w_]+\):\s*", "", detail)
    return InvalidInput(field, f"template {template.slug!r}, {_place(template, field)}{source}: "
                        f"{detail}")  # fmt: skip
