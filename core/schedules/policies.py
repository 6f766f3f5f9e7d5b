"""The small closed vocabularies of a schedule: its kind, review strategy and missed policy."""

from __future__ import annotations

from typing import Literal, get_args

Kind = Literal["analyze", "cache_refresh"]
KINDS: tuple[Kind, ...] = get_args(Kind)
Review = Literal["auto", "manual"]
MissedPolicy = Literal["ask", "skip", "run_once"]
REVIEWS: tuple[Review, ...] = ("auto", "manual")

# An analyze step's settings where its scenario leaves them out (stored scenarios omit defaults).
DEFAULT_LLM_PROFILE = "heuristic"
DEFAULT_REVIEW: Review = "manual"


def llm_shown(profile: str | None) -> str:
    """An LLM profile as lists show it ("—" when no step analyses)."""
    return profile or "—"


def review_shown(review: str | None) -> str:
    """A review strategy as lists show it: Auto, Manual, or "—"."""
    return review.capitalize() if review else "—"


def unscoped_shown(db_profile: str | None) -> str:
    """The scope lists show for a scenario whose lead step names none: a catalog refresh reads
    its whole profile; a scenario without a DB profile has no scope ("—")."""
    return "whole profile" if db_profile else "—"
