"""One sentence for a request that fails validation: the field it names and what it takes,
worded as the core words its own refusals rather than as pydantic's messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, get_args

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel

# Where in the request a value came from: not part of the field's name.
_PLACES = ("body", "query", "path", "header")
# The longest part of a refused value a sentence repeats.
_SHOWN = 40


def validation_sentence(
    exc: RequestValidationError, body: type[BaseModel] | None
) -> tuple[str, str]:
    """The field and the sentence for `exc`; `body` is the model of the endpoint's body, whose
    keys a sentence about an unknown key lists. An unknown key is named before a missing one,
    which it is often a misspelling of."""
    errors = exc.errors()
    error = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])
    kind = str(error.get("type", ""))
    parts = [str(part) for part in error.get("loc", ())]
    in_body = bool(parts) and parts[0] == "body"
    loc = [part for part in parts if part not in _PLACES]
    field = ".".join(loc) or "body"
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "json_invalid":
        # Its loc holds the character the decoder stopped at, not a field.
        reason = str(ctx.get("error", "")).lower() or "it cannot be read"
        at = loc[0] if loc else "0"
        return (
            "body",
            f"the body is not valid JSON ({reason} at character {at}); send a JSON object.",
        )
    if kind == "extra_forbidden" and loc:
        where = ".".join(loc[:-1]) or "the body"
        keys = keys_at(body, loc[:-1]) if in_body else None
        known = f"use {', '.join(keys)}" if keys else "its keys are listed at /docs"
        return field, f"{loc[-1]!r} is not a key of {where}; {known}."
    if kind == "missing":
        return field, f"{field} is required."
    worded = _WORDED.get(kind)
    if worded is not None:
        return field, worded.format(field=field, shown=_shown(error.get("input")), **ctx)
    message = str(error.get("msg", "is not accepted")).rstrip(".")
    return field, f"{field} is not accepted: {message[:1].lower()}{message[1:]}."


def keys_at(model: type[BaseModel] | None, path: Sequence[str]) -> list[str] | None:
    """The keys of the object at `path` inside a body of `model`, when a model describes it."""
    for part in path:
        if model is None or part not in model.model_fields:
            return None
        model = _model_in(model.model_fields[part].annotation)
    return list(model.model_fields) if model is not None else None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds: itself, or the model of an optional or a union."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


_WORDED = {
    "greater_than_equal": "{field} must be at least {ge}; got {shown}.",
    "greater_than": "{field} must be more than {gt}; got {shown}.",
    "less_than_equal": "{field} must be at most {le}; got {shown}.",
    "less_than": "{field} must be less than {lt}; got {shown}.",
    "int_parsing": "{field} must be a whole number; got {shown}.",
    "int_type": "{field} must be a whole number; got {shown}.",
    "int_from_float": "{field} must be a whole number; got {shown}.",
    "string_type": "{field} must be a string; got {shown}.",
    "string_too_long": "{field} is longer than {max_length} characters; shorten it.",
    "list_type": "{field} must be a list; got {shown}.",
    "dict_type": "{field} must be a JSON object; got {shown}.",
    "model_attributes_type": "{field} must be a JSON object; got {shown}.",
    "bool_parsing": "{field} must be true or false; got {shown}.",
    "bool_type": "{field} must be true or false; got {shown}.",
}
