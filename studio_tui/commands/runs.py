"""`amx runs …`: run history, the runs of deleted schedules included."""

from __future__ import annotations

from core.schedules.status import RunStatus
from studio_tui import render
from studio_tui.commands.base import (
    EXIT_OK,
    Context,
    Subparsers,
    positive_id,
    subcommands,
    whole_number,
)
from studio_tui.commands.schedule_ref import METAVAR, schedule_ref
from studio_tui.commands.width import output_width


def cmd_list(ctx: Context) -> int:
    from core.schedules.run_history import RunQuery

    args = ctx.args
    schedule = ctx.core.runs.schedule_of(args.schedule) if args.schedule else None
    statuses = frozenset(s.strip().lower() for s in (args.status or "").split(",") if s.strip())
    query = RunQuery(
        schedule_id=schedule.id if schedule else None,
        step_kind=args.step_kind,
        statuses=statuses,
        offset=args.offset,
        limit=args.limit,
    )
    page = ctx.core.runs.history(query)
    if args.json:
        ctx.json(page.model_dump(mode="json"))
        return EXIT_OK
    if schedule is not None:
        ctx.print(render.schedule_ref_line(schedule))
    if not page.items:
        ctx.print("no runs" + (" match" if statuses or args.step_kind else " yet"))
        return EXIT_OK
    ctx.print(render.history_rows(page.items, output_width(ctx.out, ctx.width)))
    if page.total > page.offset + len(page.items):
        shown = f"{page.offset + 1}-{page.offset + len(page.items)}"
        ctx.print(f"\n{shown} of {page.total}; page on with --offset {page.offset + page.limit}")
    return EXIT_OK


def cmd_show(ctx: Context) -> int:
    found = ctx.core.runs.detail(ctx.args.run_id)
    if ctx.args.json:
        ctx.json(found.model_dump(mode="json"))
    else:
        ctx.print(render.run_detail(found, output_width(ctx.out, ctx.width)))
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx runs` and its verbs."""
    runs = subcommands(top.add_parser("runs", help="run history"), "verb")
    p = runs.add_parser("list", help="runs, newest first, with their steps")
    p.add_argument(
        "--schedule", metavar=METAVAR, type=schedule_ref,
        help="only this schedule's runs (a deleted schedule's too)",
    )  # fmt: skip
    p.add_argument("--step-kind", metavar="KIND", help="only runs that have a step of this kind")
    p.add_argument(
        "--status", metavar="S[,S…]",
        help="only these run statuses: " + ", ".join(s.value for s in RunStatus),
    )  # fmt: skip
    p.add_argument(
        "--offset", type=whole_number, default=0, metavar="N", help="skip the first N (default 0)"
    )
    p.add_argument(
        "--limit", type=whole_number, default=50, metavar="N", help="show at most N (default 50)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_list)

    p = runs.add_parser("show", help="a run with its step runs and each step's log")
    p.add_argument("run_id", metavar="RUN_ID", type=positive_id)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_show)
