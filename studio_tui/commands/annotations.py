"""`amx annotations …`: export the applied annotations, and a table's revisions (history and
restore)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.choices import DBT_SHAPES, FORMATS
from studio_tui import render
from studio_tui.commands.base import EXIT_OK, Context, Subparsers, positive_id, subcommands

if TYPE_CHECKING:
    from core.analysis.revisions import RevisionService


def _revisions(ctx: Context) -> RevisionService:
    from core.analysis.revisions import RevisionService

    core = ctx.core
    return RevisionService(core.db, core.clock, core.review)


def cmd_export(ctx: Context) -> int:
    from core.analysis.export import export

    text = export(
        ctx.core.review,
        ctx.args.profile,
        ctx.args.format,
        scope=ctx.args.scope or (),
        dbt_shape=ctx.args.dbt_shape,
    )
    ctx.write_output(text, f"wrote {ctx.args.output}")
    return EXIT_OK


def cmd_history(ctx: Context) -> int:
    items = _revisions(ctx).history(ctx.args.profile, ctx.args.table)
    if ctx.args.json:
        ctx.json([r.model_dump(mode="json") for r in items])
        return EXIT_OK
    if not items:
        ctx.print(f"no revisions of {ctx.args.table} yet; a snapshot_annotations step makes them")
        return EXIT_OK
    rows = [
        [
            str(r.revision),
            r.created_at.isoformat(timespec="seconds"),
            render.clip(r.author, 16),
            str(r.run_id or "—"),
            str(len(r.snapshot.get("columns", {}))),
            render.clip(r.change_note or "", 40),
        ]
        for r in items
    ]
    ctx.print(f"revisions of {items[0].path} in profile {items[0].profile}, newest first")
    ctx.print(render.table(["REV", "CREATED (UTC)", "AUTHOR", "RUN", "COLUMNS", "NOTE"], rows))
    return EXIT_OK


def cmd_restore(ctx: Context) -> int:
    report = _revisions(ctx).restore(
        ctx.args.profile, ctx.args.table, ctx.args.revision, dry_run=ctx.args.dry_run
    )
    if not report.changes:
        ctx.print(f"{report.path} already holds revision {report.revision}; nothing to change")
        return EXIT_OK
    verb = "would change" if report.dry_run else "changed"
    ctx.print(f"restoring revision {report.revision} of {report.path} {verb}:")
    for change in report.changes:
        ctx.print(f"  {change.path} {change.field}: {change.old} → {change.new}")
    if report.dry_run:
        ctx.print("dry run: nothing was written")
    elif report.saved_as is not None:
        ctx.print(
            f"the annotations before are kept as revision {report.saved_as}; restore it to undo"
        )
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx annotations export|history|restore`."""
    notes = subcommands(top.add_parser("annotations", help="the applied annotations"), "verb")
    p = notes.add_parser("export", help="export a profile's annotations")
    p.add_argument("profile")
    p.add_argument(
        "--format",
        choices=list(FORMATS),
        default="json",
        help="JSON, or a dbt schema.yml (default json)",
    )
    p.add_argument(
        "--dbt-shape",
        choices=list(DBT_SHAPES),
        default="models",
        help="dbt: models (tables dbt builds; the default) or sources (the tables it reads, "
        "by schema)",
    )
    p.add_argument(
        "--scope", action="append", metavar="PATH", help="only this schema or table (repeatable)"
    )
    p.add_argument(
        "--output", "-o", metavar="FILE", help="write to FILE (default: standard output)"
    )
    p.set_defaults(handler=cmd_export)
    p = notes.add_parser("history", help="a table's annotation revisions")
    p.add_argument("profile")
    p.add_argument("table", help="[database.]schema.table")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_history)
    p = notes.add_parser("restore", help="restore a table's annotations from a revision")
    p.add_argument("profile")
    p.add_argument("table", help="[database.]schema.table")
    p.add_argument("revision", type=positive_id)
    p.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")
    p.set_defaults(handler=cmd_restore)
