"""LLM profiles: the offline heuristic and any OpenAI-compatible endpoint.

`protocol` is what the analysis job relies on (providers import it), `heuristic` and
`openai_compat` are the providers, and `factory` builds a profile's annotator from them.
"""

from __future__ import annotations

from core.analysis.llm.protocol import (
    TAG_VOCABULARY,
    Annotator,
    LlmAuthError,
    LlmBadOutput,
    LlmError,
    LlmRateLimited,
    LlmUnavailable,
)

__all__ = [
    "TAG_VOCABULARY",
    "Annotator",
    "LlmAuthError",
    "LlmBadOutput",
    "LlmError",
    "LlmRateLimited",
    "LlmUnavailable",
]
