"""A template's definition: slug, parameters, and the scenario body their values fill in."""

from __future__ import annotations

import re
from typing import Any, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field

from core.errors import InvalidInput
from core.schedules.triggers import format_interval, parse_interval
from core.text import name_problem

ParamType = Literal["profile", "scope", "string", "email", "int", "duration"]
PARAM_TYPES: tuple[str, ...] = ("profile", "scope", "string", "email", "int", "duration")
# The keys of a template's scenario body, as a scenario file writes them.
BODY_KEYS = ("trigger", "steps", "on_failure", "on_missed", "missed_policy", "retries",
             "misfire_grace")  # fmt: skip
KEYS = ("slug", "name", "description", "parameters", "default_enabled", *BODY_KEYS)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,59}$")


class Parameter(BaseModel):
    """One parameter of a template: its name, type, default and whether it must be given."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    type: ParamType = "string"
    default: Any = None
    required: bool = True
    description: str = ""

    @property
    def needs_value(self) -> bool:
        """True when instantiating needs a value for it (required and without a default)."""
        return self.required and self.default is None


class TemplateDef(BaseModel):
    """A template as a file writes it, checked for its own shape (the scenario body is checked
    when it is rendered for a profile)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    slug: str
    name: str
    description: str = ""
    parameters: list[Parameter] = Field(default_factory=list)
    default_enabled: bool = False
    body: dict[str, Any]

    def parameter(self, name: str) -> Parameter | None:
        """The parameter called `name`, if the template has one."""
        return next((p for p in self.parameters if p.name == name), None)


def is_slug(slug: Any) -> TypeGuard[str]:
    """Whether `slug` has a template slug's shape."""
    return isinstance(slug, str) and _SLUG.fullmatch(slug) is not None


def check_slug(slug: Any) -> str:
    """A template slug: lower-case letters, digits and '-', up to 80 characters."""
    if not is_slug(slug):
        raise InvalidInput(
            "slug",
            f"slug {slug!r} is not usable; use up to 80 lower-case letters, digits and '-', "
            "such as 'nightly-pii'.",
        )
    return slug


def _unstorable(value: Any, field: str) -> tuple[str, str] | None:
    """The first text in `value` no database can store (a NUL, or half of a UTF-16 pair), as
    (field, what it holds)."""
    if isinstance(value, str):
        for char in value:
            if char == "\x00":
                return field, "a NUL character"
            if "\ud800" <= char <= "\udfff":
                return field, f"a lone surrogate \\u{ord(char):04x}"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unstorable(key, field) or _unstorable(item, f"{field}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unstorable(item, f"{field}[{index + 1}]")
            if found:
                return found
    return None


def template_def(data: dict[str, Any]) -> TemplateDef:
    """A template mapping (the file's keys) as a TemplateDef; the first refusal names its key."""
    unknown = [str(k) for k in data if k not in KEYS]
    if unknown:
        raise InvalidInput(
            unknown[0], f"{unknown[0]!r} is not a key of a template; use {', '.join(KEYS)}."
        )
    for key, value in data.items():
        found = _unstorable(value, key)
        if found:
            raise InvalidInput(found[0], f"{found[0]} holds {found[1]}; remove it.")
    slug = check_slug(data.get("slug"))
    name = data.get("name", slug)
    if not isinstance(name, str) or not name.strip() or len(name) > 120:
        raise InvalidInput("name", "name is the template's display name, 1 to 120 characters.")
    problem = name_problem(name, "name")
    if problem:
        raise InvalidInput("name", problem)
    description = data.get("description") or ""
    if not isinstance(description, str):
        raise InvalidInput("description", "description is text.")
    default_enabled = data.get("default_enabled", False)
    if not isinstance(default_enabled, bool):
        raise InvalidInput("default_enabled", "default_enabled is true or false.")
    for key in ("trigger", "steps"):
        if key not in data:
            raise InvalidInput(key, f"{key} is required in a template.")
    raw = data.get("parameters") or []
    if not isinstance(raw, list):
        raise InvalidInput("parameters", "parameters is a list of {name, type, default}.")
    parameters = [_parameter(i, item) for i, item in enumerate(raw)]
    names = [p.name for p in parameters]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice:
        raise InvalidInput("parameters", f"parameter {twice!r} is given twice; keep one.")
    body = {k: data[k] for k in BODY_KEYS if k in data}
    return TemplateDef(
        slug=slug,
        name=name.strip(),
        description=description,
        parameters=parameters,
        default_enabled=default_enabled,
        body=body,
    )


def _parameter(index: int, item: Any) -> Parameter:
    where = f"parameters[{index + 1}]"
    if not isinstance(item, dict):
        raise InvalidInput(where, f"{where} is a mapping of name, type, default and required.")
    extra = [str(k) for k in item if k not in Parameter.model_fields]
    if extra:
        raise InvalidInput(
            f"{where}.{extra[0]}",
            f"{where}: {extra[0]!r} is not a key of a parameter; use name, type, default, "
            "required, description.",
        )
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidInput(
            f"{where}.name",
            f"{where}: name {name!r} is not usable; use letters, digits and '_', such as 'scope'.",
        )
    kind = item.get("type", "string")
    if kind not in PARAM_TYPES:
        raise InvalidInput(
            f"{where}.type",
            f"{where} ({name}): type {kind!r} is not accepted; use one of "
            f"{', '.join(PARAM_TYPES)}.",
        )
    required = item.get("required", True)
    if not isinstance(required, bool):
        raise InvalidInput(f"{where}.required", f"{where} ({name}): required is true or false.")
    parameter = Parameter(
        name=name,
        type=kind,
        default=None,
        required=required,
        description=str(item.get("description") or ""),
    )
    default = item.get("default")
    if default is not None:
        try:
            default = coerce(parameter, default)
        except InvalidInput as exc:
            raise InvalidInput(f"{where}.default", f"{where}: default: {exc.message}") from None
    return parameter.model_copy(update={"default": default})


def coerce(parameter: Parameter, value: Any) -> Any:
    """A parameter's value in its type (text from a command line is converted); a wrong value
    is refused in one sentence naming the parameter."""
    name, kind = parameter.name, parameter.type
    found = _unstorable(value, name)
    if found:
        raise InvalidInput(name, f"parameter {name!r} holds {found[1]}; remove it.")
    if kind == "int":
        if isinstance(value, bool):
            value = None
        elif isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            value = int(value)
        if not isinstance(value, int):
            raise InvalidInput(name, f"parameter {name!r} is an int; {value!r} is not a number.")
        return value
    if kind == "scope":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InvalidInput(
                name, f"parameter {name!r} is a scope: a list such as [public, main.users]."
            )
        cleaned = [i.strip() for i in items if i.strip()]
        if not cleaned:
            raise InvalidInput(name, f"parameter {name!r} is a scope and is empty; name a schema.")
        return cleaned
    if kind == "duration":
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise InvalidInput(name, f"parameter {name!r} is a duration such as '6h' or '1d'.")
        try:
            return format_interval(parse_interval(value))
        except InvalidInput as exc:
            raise InvalidInput(name, f"parameter {name!r}: {exc.message}") from None
    if not isinstance(value, str) or isinstance(value, bool):
        raise InvalidInput(name, f"parameter {name!r} is a {kind}; {value!r} is not text.")
    value = value.strip()
    if kind == "email" and not _EMAIL.match(value):
        raise InvalidInput(name, f"parameter {name!r} is an e-mail address; {value!r} is not one.")
    if not value:
        raise InvalidInput(name, f"parameter {name!r} is empty; give it a value.")
    return value
