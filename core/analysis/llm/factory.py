"""Building the annotator of an LLM profile: the one place that knows every provider."""

from __future__ import annotations

import os

from core.analysis.llm.heuristic import HeuristicAnnotator
from core.analysis.llm.openai_compat import OpenAICompatibleAnnotator
from core.analysis.llm.protocol import Annotator, LlmAuthError
from core.catalog.llm_profiles import LlmProfileConfig, LlmProfileFields


def annotator_for_profile(profile: LlmProfileFields, *, timeout: float = 60.0) -> Annotator:
    """The annotator of a stored LLM profile (row or view); refuses broken settings or an
    unset key with one sentence."""
    return _build(LlmProfileConfig.of(profile, timeout=timeout))


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
    """The annotator for settings given one by one, checked like a stored profile's."""
    config = LlmProfileConfig.check(
        name=name,
        provider=provider,
        model=model,
        base_url=base_url,
        api_key_env=api_key_env,
        concurrency=concurrency,
        timeout=timeout,
    )
    return _build(config)


def _build(config: LlmProfileConfig) -> Annotator:
    if config.provider == "heuristic":
        return HeuristicAnnotator(name=config.name, concurrency=config.concurrency)
    # The config guarantees both for an openai-compatible profile.
    assert config.model is not None and config.base_url is not None
    return OpenAICompatibleAnnotator(
        name=config.name,
        model=config.model,
        base_url=config.base_url,
        api_key=_api_key(config),
        api_key_env=config.api_key_env,
        concurrency=config.concurrency,
        timeout=config.timeout,
    )


def _api_key(config: LlmProfileConfig) -> str | None:
    if not config.api_key_env:
        return None
    variable, name = config.api_key_env, config.name
    key = os.environ.get(variable)
    if key is None:
        raise LlmAuthError(
            f"environment variable {variable} named by LLM profile {name!r} is not set; export it."
        )
    if not key.strip():
        raise LlmAuthError(
            f"environment variable {variable} named by LLM profile {name!r} is empty; "
            "put the key in it."
        )
    return key
