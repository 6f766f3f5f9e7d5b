"""Building the annotator of an LLM profile: the one place that knows every provider."""

from __future__ import annotations

import os

from core.analysis.llm.heuristic import HeuristicAnnotator
from core.analysis.llm.openai_compat import OpenAICompatibleAnnotator
from core.analysis.llm.protocol import Annotator, LlmAuthError
from core.errors import InvalidInput


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
    if provider == "heuristic":
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
    return OpenAICompatibleAnnotator(
        name=name,
        model=model,
        base_url=base_url,
        api_key=api_key,
        api_key_env=api_key_env,
        concurrency=concurrency,
        timeout=timeout,
    )
