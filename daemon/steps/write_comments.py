"""The write_comments step: accepted descriptions become the database's own table and column
comments."""

from __future__ import annotations

from core.analysis.comments import write_comments
from core.schedules.scenario.steps import WriteCommentsStep
from core.text import counted
from daemon.steps.base import StepContext, StepResult


def run(ctx: StepContext, step: WriteCommentsStep) -> StepResult:
    """Write the comments now: they go to the analysed database, not the AMX store, so they never
    wait for a group's commit; each database's comments are written together or not at all."""
    counts = write_comments(
        ctx.core.profiles,
        ctx.core.review,
        step.profile,
        database=step.database,
        scope=step.scope,
        say=ctx.log.warning,
    )
    ctx.log.info(
        f"wrote {counted(counts['tables'], 'table comment')} and "
        f"{counted(counts['columns'], 'column comment')} to "
        f"{step.profile!r}; {counts['unchanged']} already read the same"
        + (f", {counts['missing']} gone from the database" if counts["missing"] else "")
    )
    return StepResult(dict(counts))
