"""LLM profiles: the offline heuristic and any OpenAI-compatible endpoint."""

from __future__ import annotations

from core.analysis.llm.base import (
    TAG_VOCABULARY,
    Annotator,
    LlmAuthError,
    LlmBadOutput,
    LlmError,
    LlmRateLimited,
    LlmUnavailable,
    annotator_for,
)

__all__ = [
    "TAG_VOCABULARY",
    "Annotator",
    "LlmAuthError",
    "LlmBadOutput",
    "LlmError",
    "LlmRateLimited",
    "LlmUnavailable",
    "annotator_for",
]
