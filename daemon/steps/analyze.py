"""The analyze step: the LLM analysis of a scope (core.analysis.job)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.analysis.job import Deferred
from core.schedules.scenario.steps import AnalyzeStep
from core.schedules.status import RunStatus
from daemon.steps.base import StepContext, StepFailed, StepResult


def run(ctx: StepContext, step: AnalyzeStep) -> StepResult:
    """Analyse the step's scope; in a transactional group its proposals wait for the commit."""
    deferred: list[Deferred] | None = [] if ctx.deferred else None
    outcome = ctx.core.job.analyse(
        ctx.schedule.id,
        ctx.run_id,
        step=step,
        log=ctx.log,
        cancel=ctx.cancel,
        progress=ctx.progress,
        deferred=deferred,
    )
    summary = dict(outcome.summary or {})
    if outcome.status == RunStatus.CANCELLED:
        return StepResult(summary, cancelled=True)
    if outcome.status != RunStatus.SUCCEEDED:
        raise StepFailed(outcome.error or "the analysis failed", summary)
    if not deferred:
        return StepResult(summary)
    writes = list(deferred)

    def commit(session: Session) -> dict[str, Any]:
        made = applied = 0
        for write in writes:
            m, a = write(session)
            made, applied = made + m, applied + a
        return {"proposals": made, "applied": applied}

    return StepResult(summary, commit)
