"""What every LLM profile offers the analysis job: the Annotator protocol, its errors, its tags.

Providers import this module; the factory that picks a provider is in `factory`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.analysis.pii import PII_TAGS
from core.catalog.metadata import AnnotationResult, TableMeta
from core.errors import AmxError

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
