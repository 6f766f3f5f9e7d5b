"""`amx review …`: the review queue of proposals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.text import counted
from studio_tui import render
from studio_tui.commands.base import (
    EXIT_OK,
    Context,
    Subparsers,
    UsageError,
    positive_id,
    subcommands,
    whole_number,
)

if TYPE_CHECKING:
    from core.analysis.review import ProposalInfo


def _rows(items: list[ProposalInfo]) -> str:
    from core.analysis.review import show_value

    rows = [
        [
            str(p.id),
            str(p.run_id),
            render.clip(p.path, 40),
            p.field,
            render.clip(show_value(p.field, p.old_value), 30),
            render.clip(show_value(p.field, p.new_value), 50),
            f"{p.confidence:.2f}",
            p.status,
        ]
        for p in items
    ]
    return render.table(["ID", "RUN", "PATH", "FIELD", "OLD", "NEW", "CONF", "STATUS"], rows)


def cmd_list(ctx: Context) -> int:
    status = None if ctx.args.status == "all" else ctx.args.status
    offset, limit = ctx.args.offset, ctx.args.limit
    page = ctx.core.review.queue(run_id=ctx.args.run, status=status, offset=offset, limit=limit)
    if ctx.args.json:
        items = [p.model_dump(mode="json") for p in page.items]
        ctx.json({"total": page.total, "offset": offset, "limit": limit, "items": items})
    elif not page.items:
        waiting = " waiting for review" if status == "pending" else ""
        past = f" from {offset + 1:,} on ({page.total:,} in all)" if page.total else ""
        ctx.print(f"no proposals{waiting}{past}")
    else:
        ctx.print(_rows(page.items))
        if page.total > offset + len(page.items):
            shown = f"{offset + 1}-{offset + len(page.items)}"
            ctx.print(f"\n{shown} of {page.total}; page on with --offset {offset + limit}")
    return EXIT_OK


def cmd_show(ctx: Context) -> int:
    from core.analysis.review import show_value

    p = ctx.core.review.get(ctx.args.id)
    if ctx.args.json:
        ctx.json(p.model_dump(mode="json"))
        return EXIT_OK
    ctx.print(f"proposal {p.id} from run {p.run_id} (schedule {p.schedule_id}), {p.status}")
    ctx.print(f"{p.target} {p.path}  [{p.profile}]")
    ctx.print(f"field       {p.field}")
    ctx.print(f"old         {show_value(p.field, p.old_value)}")
    ctx.print(f"new         {show_value(p.field, p.new_value)}")
    ctx.print(f"confidence  {p.confidence:.2f}")
    if p.evidence:
        ctx.print(f"evidence    {p.evidence}")
    if p.note:
        ctx.print(f"note        {p.note}")
    return EXIT_OK


def cmd_accept(ctx: Context) -> int:
    if ctx.args.run is not None and ctx.args.ids:
        raise UsageError("give proposal ids or --run, not both")
    if ctx.args.run is not None:
        done = ctx.core.review.accept_run(ctx.args.run)
    elif ctx.args.ids:
        done = ctx.core.review.accept(ctx.args.ids)
    else:
        raise UsageError("give proposal ids or --run RUN")
    ctx.print(f"accepted {counted(len(done), 'proposal')}; the annotations store is updated")
    return EXIT_OK


def cmd_reject(ctx: Context) -> int:
    done = ctx.core.review.reject(ctx.args.ids)
    ctx.print(f"rejected {counted(len(done), 'proposal')}")
    return EXIT_OK


def cmd_edit(ctx: Context) -> int:
    p = ctx.core.review.edit(ctx.args.id, ctx.args.value)
    ctx.print(f"accepted proposal {p.id} with your value for {p.path} {p.field}")
    return EXIT_OK


def cmd_undo(ctx: Context) -> int:
    report = ctx.core.review.undo_run(ctx.args.run)
    ctx.print(f"restored {counted(report.restored, 'value')} changed by run {ctx.args.run}")
    for item in report.kept:
        ctx.print(f"  kept {item}: changed again since that run")
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx review …`."""
    review = subcommands(top.add_parser("review", help="the review queue of proposals"), "verb")
    p = review.add_parser("list", help="proposals waiting for review")
    p.add_argument("--run", type=positive_id, metavar="RUN_ID", help="only this run's proposals")
    p.add_argument(
        "--status",
        default="pending",
        choices=["pending", "accepted", "applied", "rejected", "undone", "all"],
        help="which proposals to list (default pending)",
    )
    p.add_argument(
        "--offset", type=whole_number, default=0, metavar="N", help="skip the first N (default 0)"
    )
    p.add_argument(
        "--limit", type=whole_number, default=200, metavar="N", help="show at most N (default 200)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_list)
    p = review.add_parser("show", help="one proposal in full")
    p.add_argument("id", type=positive_id)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_show)
    p = review.add_parser("accept", help="apply proposals to the annotations store")
    p.add_argument("ids", type=positive_id, nargs="*")
    p.add_argument(
        "--run",
        type=positive_id,
        metavar="RUN_ID",
        help="accept every pending proposal of this run",
    )
    p.set_defaults(handler=cmd_accept)
    p = review.add_parser("reject", help="reject proposals")
    p.add_argument("ids", type=positive_id, nargs="+")
    p.set_defaults(handler=cmd_reject)
    p = review.add_parser("edit", help="accept a proposal with your own value")
    p.add_argument("id", type=positive_id)
    p.add_argument(
        "--value", required=True, metavar="TEXT", help="the text to store (tags: comma-separated)"
    )
    p.set_defaults(handler=cmd_edit)
    p = review.add_parser("undo-run", help="restore what a run changed")
    p.add_argument("run", type=positive_id)
    p.set_defaults(handler=cmd_undo)
