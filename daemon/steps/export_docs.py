"""The export_docs step: a scope's annotations written to a file, as JSON or a dbt schema.yml."""

from __future__ import annotations

from core.analysis.export import export, output_path, write_atomically
from core.schedules.scenario.steps import ExportDocsStep
from daemon.steps.base import StepContext, StepResult


def run(ctx: StepContext, step: ExportDocsStep) -> StepResult:
    """Write the export now (the file is no write to the AMX store, so it never waits for a
    group's commit); the file is replaced whole or not at all."""
    path = output_path(step.path)
    ctx.core.profiles.get_db(step.profile)  # an unknown profile fails the step by name
    text = export(
        ctx.core.review,
        step.profile,
        step.format,
        database=step.database,
        scope=step.scope,
        dbt_shape=step.dbt_shape,
    )
    write_atomically(path, text)
    shape = f" ({step.dbt_shape})" if step.format == "dbt" else ""
    ctx.log.info(f"wrote the {step.format}{shape} export of {step.profile!r} to {path}")
    return StepResult({"path": str(path), "format": step.format, "bytes": len(text.encode())})
