"""`amx daemon run | tick | health`: the worker that fires schedules, and its health."""

from __future__ import annotations

from daemon.options import add_arguments
from studio_tui.commands.base import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Subparsers,
    non_negative,
    subcommands,
)

# `amx daemon run` is `python -m daemon` (daemon.main) under another name: it loads none of the
# other command groups, and the services load only for the commands that use them.


def cmd_run(ctx: Context) -> int:
    from daemon.main import DaemonOptions, serve

    return serve(DaemonOptions.from_args(ctx.args), clock=ctx.clock, err=ctx.error_out)


def cmd_tick(ctx: Context) -> int:
    from daemon.execute import execute
    from daemon.heartbeat import new_worker_id
    from daemon.tick import tick

    worker_id = new_worker_id()
    report = tick(ctx.core, worker_id, slots=ctx.args.max)
    runs = [execute(ctx.core, claimed) for claimed in report.claimed]
    if ctx.args.json:
        ctx.json(
            {
                "recovered": report.recovered,
                "missed": report.missed,
                "runs": [r.model_dump(mode="json") for r in runs],
            }
        )
    else:
        ctx.print(
            f"recovered {len(report.recovered)}, marked {len(report.missed)} missed, "
            f"ran {len(runs)}"
        )
        for run in runs:
            ctx.print(f"  run {run.id} of schedule {run.schedule_id}: {run.status}")
    return EXIT_OK


def cmd_health(ctx: Context) -> int:
    from daemon.health import health

    report = health(ctx.core, everyone=ctx.args.all)
    if ctx.args.json:
        ctx.json(report.as_json())
    elif report.last_seen is None:
        ctx.print("no daemon has run on this database yet; start one with `amx daemon run`")
    else:
        from core.schedules.triggers import default_zone_name
        from studio_tui import render
        from studio_tui.time_words import relative

        now, zone = ctx.clock.now(), default_zone_name()
        state = "alive" if report.alive else "not alive"
        ctx.print(
            f"daemon {state}; last heartbeat {relative(report.last_seen, now, precise=True)} "
            f"({render.local_time_marked(report.last_seen, zone)})"
        )
        for w in report.workers:
            mark = "alive" if w.alive else ("stopped" if w.stopped else "silent")
            off = f"  clock {w.clock_skew_s:+.1f} s off the database" if w.skewed else ""
            seen = relative(w.last_seen_at, now, precise=True)
            ctx.print(f"  {w.id}  {mark}  last seen {seen}  version {w.version}{off}")
        if report.older:
            ctx.print(f"  … and {report.older} seen more than a day ago (--all lists them)")
    return EXIT_OK if report.alive else EXIT_REFUSED


def register(top: Subparsers) -> None:
    """Add `amx daemon …`."""
    daemon = subcommands(top.add_parser("daemon", help="the worker that fires schedules"), "verb")
    p = daemon.add_parser("run", help="run the worker in the foreground until SIGTERM/SIGINT")
    add_arguments(p)
    p.set_defaults(handler=cmd_run)
    p = daemon.add_parser("tick", help="one pass: recover, mark missed, run what is due, exit")
    p.add_argument(
        "--max", type=non_negative, default=10, metavar="N", help="run at most N (default 10)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_tick)
    p = daemon.add_parser("health", help="is a daemon alive? (exit 0 yes, 1 no)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--all", action="store_true", help="also workers seen more than a day ago")
    p.set_defaults(handler=cmd_health)
