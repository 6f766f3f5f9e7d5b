"""An LLM profile's settings and every rule they must keep, checked in one place."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.choices import PROVIDERS, Provider
from core.errors import InvalidInput
from core.secrets import ENV_NAME, KEY_WAY, http_secrets

MAX_CONCURRENCY = 32
MAX_TIMEOUT_S = 600.0

_RULES = {
    "concurrency": f"concurrency must be between 1 and {MAX_CONCURRENCY} requests.",
    "timeout": f"timeout must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds.",
    "api_key_env": (
        "the key is given as the NAME of an environment variable that holds it "
        "(e.g. OPENAI_API_KEY), never as the key itself."
    ),
}


class LlmProfileFields(Protocol):
    """What a stored LLM profile row and the profile view both carry."""

    @property
    def name(self) -> str: ...
    @property
    def provider(self) -> str: ...
    @property
    def model(self) -> str | None: ...
    @property
    def base_url(self) -> str | None: ...
    @property
    def api_key_env(self) -> str | None: ...
    @property
    def concurrency(self) -> int: ...


class LlmProfileConfig(BaseModel):
    """An LLM profile as the core accepts it; build one with `check` or `of`."""

    model_config = ConfigDict(frozen=True)
    name: str
    provider: Provider
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    concurrency: int = 2
    timeout: float = 60.0

    @field_validator("provider", mode="before")
    @classmethod
    def _known_provider(cls, value: Any) -> Any:
        if value not in PROVIDERS:
            raise InvalidInput(
                "provider", f"provider {value!r} is unknown; use heuristic or openai-compatible."
            )
        return value

    @field_validator("base_url")
    @classmethod
    def _without_trailing_slash(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A profile stored by an earlier version keeps working; start-up reports its secret.
        new = not info.context or info.context.get("new", True)
        found = http_secrets(value) if value and new else []
        if found:
            raise InvalidInput(
                "base_url", f"the base URL holds {found[0]}, which is never stored; {KEY_WAY}."
            )
        return value.rstrip("/") if value else value

    @field_validator("api_key_env")
    @classmethod
    def _variable_name(cls, value: str | None) -> str | None:
        if value is not None and not ENV_NAME.match(value):
            raise InvalidInput("api_key_env", _RULES["api_key_env"])
        return value

    @field_validator("concurrency")
    @classmethod
    def _concurrency_range(cls, value: int) -> int:
        if not 1 <= value <= MAX_CONCURRENCY:
            raise InvalidInput("concurrency", _RULES["concurrency"])
        return value

    @field_validator("timeout")
    @classmethod
    def _timeout_range(cls, value: float) -> float:
        if not 0 < value <= MAX_TIMEOUT_S:
            raise InvalidInput("timeout", _RULES["timeout"])
        return value

    @model_validator(mode="after")
    def _endpoint(self) -> LlmProfileConfig:
        if self.provider != "openai-compatible":
            return self
        if not self.model:
            raise InvalidInput(
                "model",
                f"LLM profile {self.name!r} is openai-compatible and needs --model, "
                "the name of the model to ask (e.g. llama3).",
            )
        if not self.base_url or not self.base_url.startswith(("http://", "https://")):
            raise InvalidInput(
                "base_url",
                f"LLM profile {self.name!r} is openai-compatible and needs --base-url like "
                "http://localhost:11434/v1.",
            )
        return self

    @classmethod
    def check(cls, *, stored: bool = False, **fields: Any) -> LlmProfileConfig:
        """Validate raw fields (`stored`: read back from the database); any refusal is one
        InvalidInput sentence."""
        try:
            return cls.model_validate(fields, context={"new": not stored})
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0]) if error["loc"] else "input"
            if field in _RULES:
                raise InvalidInput(field, _RULES[field]) from None
            if error["type"] == "missing":
                raise InvalidInput(field, f"{field} is required.") from None
            message = error["msg"].lower()
            got = error.get("input")
            raise InvalidInput(field, f"{field} {got!r} is not accepted; {message}.") from None

    @classmethod
    def of(cls, profile: LlmProfileFields, *, timeout: float = 60.0) -> LlmProfileConfig:
        """The checked settings of a stored profile or a profile view."""
        return cls.check(
            stored=True,
            name=profile.name,
            provider=profile.provider,
            model=profile.model,
            base_url=profile.base_url,
            api_key_env=profile.api_key_env,
            concurrency=profile.concurrency,
            timeout=timeout,
        )
