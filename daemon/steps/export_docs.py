"""The export_docs step: a scope's annotations written to a file, as JSON or a dbt schema.yml."""

from __future__ import annotations

from core.analysis.export import output_path, render, tables_to_export, write_atomically
from core.schedules.scenario.steps import ExportDocsStep
from core.text import counted
from daemon.steps.base import StepContext, StepResult


def run(ctx: StepContext, step: ExportDocsStep) -> StepResult:
    """Write the export now (the file is no write to the AMX store, so it never waits for a
    group's commit); the file is replaced whole or not at all."""
    path = output_path(step.path)
    ctx.core.profiles.get_db(step.profile)  # an unknown profile fails the step by name
    tables = tables_to_export(
        ctx.core.review, step.profile, database=step.database, scope=step.scope
    )
    text = render(step.profile, tables, step.format, step.dbt_shape)
    write_atomically(path, text)
    shape = f" ({step.dbt_shape})" if step.format == "dbt" else ""
    ctx.log.info(
        f"wrote the {step.format}{shape} export of {step.profile!r} "
        f"({counted(len(tables), 'table')}) "
        f"to {path}"
    )
    columns = sum(len(t.columns) for t in tables)
    summary = {"path": str(path), "format": step.format, "tables": len(tables), "columns": columns}
    return StepResult({**summary, "bytes": len(text.encode())})
