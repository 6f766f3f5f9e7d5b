"""A schedule's headline: the few facts of its scenario that lists show and filter on (its
page, DB profile, database and scope), kept in the schedule's own columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.schedules.policies import Kind
from core.schedules.scenario.model import first_analysis
from core.schedules.scenario.steps import CacheRefreshStep, SendReportStep, Step


@dataclass(frozen=True)
class Headline:
    """Page (`kind`), DB profile, database and scope of a scenario's leading step."""

    kind: Kind
    db_profile: str
    database: str | None
    scope: tuple[str, ...]


def headline_of(steps: Sequence[Step]) -> Headline:
    """The headline of a scenario: its first analyze step, else its first step on a profile.
    Schedules that only refresh catalogs belong to the Catalog cache page."""
    kind: Kind = (
        "cache_refresh"
        if steps and all(isinstance(s, CacheRefreshStep) for s in steps)
        else "analyze"
    )
    lead = first_analysis(steps) or next(
        (s for s in steps if getattr(s, "profile", None) and not isinstance(s, SendReportStep)),
        None,
    )
    if lead is None:
        return Headline(kind, "", None, ())
    return Headline(
        kind,
        str(getattr(lead, "profile", "")),
        getattr(lead, "database", None),
        tuple(getattr(lead, "scope", ())),
    )
