"""The snapshot_annotations step: a new revision of each annotated table that changed."""

from __future__ import annotations

from core.analysis.revisions import RevisionService
from core.schedules.scenario.steps import SnapshotAnnotationsStep
from core.text import counted
from daemon.steps.base import StepContext, StepResult


def run(ctx: StepContext, step: SnapshotAnnotationsStep) -> StepResult:
    """Choose the tables now; their revisions are stored when the step commits."""
    core = ctx.core
    ctx.core.profiles.get_db(step.profile)  # an unknown profile fails the step by name
    plan = RevisionService(core.db, core.clock, core.review).plan(
        step.profile,
        database=step.database,
        scope=step.scope,
        skip_hours=step.skip_hours,
        max_tables=step.max_tables,
        change_note=step.change_note,
        author=step.author,
        run_id=ctx.run_id,
    )
    c = plan.counts
    ctx.log.info(
        f"snapshot of {step.profile!r}: {counted(c['snapshotted'], 'table')} to store, "
        f"{c['skipped_recent']} snapshotted within {step.skip_hours:g} h, "
        f"{c['unchanged']} unchanged since their last revision"
        + (
            f", {c['left_over']} left for later (max_tables {step.max_tables})"
            if c["left_over"]
            else ""
        )
    )
    return StepResult(dict(c), plan.write)
