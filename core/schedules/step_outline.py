"""What lists show of a scenario: its step kinds in a few words and the LLM profile and review
strategy of its first analyze step. Free of pydantic, so a list read straight from the stored
rows shows the same as the validated scenario models do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.schedules.policies import DEFAULT_LLM_PROFILE, DEFAULT_REVIEW, REVIEWS, Review


def kinds_summary(kinds: Sequence[str], shown: int = 2) -> str:
    """The steps in a few words: "analyze → export_docs, +2"."""
    text = " → ".join(kinds[:shown])
    return text + (f", +{len(kinds) - shown}" if len(kinds) > shown else "")


@dataclass(frozen=True)
class Outline:
    """A stored scenario as lists show it."""

    steps_summary: str
    llm_profile: str | None  # of its first analyze step, if it has one
    review: Review | None


def stored_outline(scenario: Any) -> Outline | None:
    """The outline of a scenario as stored (JSON data without the default settings); None when
    the data does not have a stored scenario's shape."""
    steps = scenario.get("steps") if isinstance(scenario, dict) else None
    if not isinstance(steps, list) or not steps:
        return None
    if not all(isinstance(step, dict) and isinstance(step.get("kind"), str) for step in steps):
        return None
    summary = kinds_summary([step["kind"] for step in steps])
    lead = next((step for step in steps if step["kind"] == "analyze"), None)
    if lead is None:
        return Outline(summary, None, None)
    llm_profile = lead.get("llm_profile", DEFAULT_LLM_PROFILE)
    review = lead.get("review", DEFAULT_REVIEW)
    if not isinstance(llm_profile, str) or review not in REVIEWS:
        return None
    return Outline(summary, llm_profile, review)
