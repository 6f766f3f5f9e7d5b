"""The cache_refresh step: re-read a DB profile's catalog (or some of its schemas)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.catalog.scope import from_texts
from core.schedules.scenario.steps import CacheRefreshStep
from daemon.steps.base import StepContext, StepResult


def run(ctx: StepContext, step: CacheRefreshStep) -> StepResult:
    """Read the catalog now; the cached listings are replaced when the step commits."""
    schemas = sorted({path[0] for path in from_texts(step.scope)})
    counts, store = ctx.core.catalog.read_catalog(step.profile, schemas)
    said = ", ".join(f"{v} {k}" for k, v in counts.items())
    part = f" (schemas {', '.join(schemas)})" if schemas else ""
    ctx.log.info(f"read the catalog of {step.profile!r}{part}: {said}")

    def commit(session: Session) -> None:
        store(session)

    return StepResult(dict(counts), commit)
