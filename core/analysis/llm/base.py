"""What every LLM profile offers the analysis job, its errors, and the factory that builds one."""

from __future__ import annotations

import os
from typing import Protocol, runtime_checkable

from core.analysis.pii import PII_TAGS
from core.catalog.metadata import AnnotationResult, TableMeta
from core.errors import AmxError, InvalidInput

TAG_VOCABULARY: tuple[str, ...] = (
    *PII_TAGS,
    "identifier",
    "primary_key",
    "foreign_key",
    "timestamp",
    "date",
    "money",
    "quantity",
    "enum",
    "boolean",
    "status",
    "url",
    "json",
    "free_text",
    "geo",
    "country",
    "currency",
    "percentage",
    "version",
    "hash",
    "secret",
)


class LlmError(AmxError):
    """An LLM profile could not annotate; the message is one sentence and never holds a key."""


class LlmAuthError(LlmError):
    """The endpoint refused the credentials, or the key's variable is unset: never retried."""


class LlmRateLimited(LlmError):
    """The endpoint kept answering 429 Too Many Requests after every retry."""


class LlmUnavailable(LlmError):
    """The endpoint kept failing (5xx, timeouts, refused connections) after every retry."""


class LlmBadOutput(LlmError):
    """The model's reply was not a valid annotation, even after one repair request."""


@runtime_checkable
class Annotator(Protocol):
    """Describes and tags one table at a time; the job calls it from `concurrency` threads."""

    name: str
    concurrency: int

    def annotate(self, table: TableMeta) -> AnnotationResult:
        """Describe and tag `table` and its columns."""
        ...


def annotator_for(
    provider: str,
    *,
    name: str,
    model: str | None,
    base_url: str | None,
    api_key_env: str | None,
    concurrency: int = 2,
    timeout: float = 60.0,
) -> Annotator:
    """Build the annotator of an LLM profile; refuses an unknown provider or an unset key."""
    # Imported here because both modules import this one.
    if provider == "heuristic":
        from core.analysis.llm.heuristic import HeuristicAnnotator

        return HeuristicAnnotator(name=name, concurrency=concurrency)
    if provider != "openai-compatible":
        raise InvalidInput(
            "provider", f"provider {provider!r} is unknown; use heuristic or openai-compatible."
        )
    if not model:
        raise InvalidInput("model", f"LLM profile {name!r} has no model; set one with --model.")
    if not base_url or not base_url.startswith(("http://", "https://")):
        raise InvalidInput(
            "base_url",
            f"LLM profile {name!r} needs a base URL like http://localhost:11434/v1.",
        )
    api_key: str | None = None
    if api_key_env:
        api_key = os.environ.get(api_key_env)
        if api_key is None:
            raise LlmAuthError(
                f"environment variable {api_key_env} named by LLM profile {name!r} is not set; "
                "export it."
            )
        if not api_key.strip():
            raise LlmAuthError(
                f"environment variable {api_key_env} named by LLM profile {name!r} is empty; "
                "export the key in it."
            )
    from core.analysis.llm.openai_compat import OpenAICompatibleAnnotator

    return OpenAICompatibleAnnotator(
        name=name,
        model=model,
        base_url=base_url,
        api_key=api_key,
        api_key_env=api_key_env,
        concurrency=concurrency,
        timeout=timeout,
    )
