"""`amx schedule logs ID|NAME [--run N] [--follow]`: a run's log, followed live on request.

The log's lines go to standard output, one a line, their text escaped; what run it is and how it
ended go to standard error, so the output pipes cleanly. With `--json`, each line is one JSON
object (JSON Lines), also while following.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.errors import NotFound
from core.schedules.status import RunStatus
from core.text import printable
from studio_tui import render
from studio_tui.commands.base import EXIT_OK, Context, Subparsers, positive_id
from studio_tui.commands.schedule_ref import add_ref, target

if TYPE_CHECKING:
    from core.schedules.run_log import LogLine
    from core.schedules.views import RunInfo

FOLLOW_EVERY_S = 0.5
_GOING = (RunStatus.RUNNING, RunStatus.QUEUED)


def log_line(line: LogLine, zone: str) -> str:
    """One line as printed: local time in `zone`, level, and the text with controls escaped
    (a line break in stored text cannot forge another line)."""
    at = line.at.astimezone(ZoneInfo(zone))
    return f"{at:%Y-%m-%d %H:%M:%S}  {line.level:<7}  {printable(line.text)}"


def _pick_run(ctx: Context, schedule_id: int) -> RunInfo:
    if ctx.args.run is not None:
        run = ctx.core.runs.get(ctx.args.run)
        if run.schedule_id != schedule_id:
            raise NotFound(
                f"run {run.id} is a run of schedule {run.schedule_id}, not of schedule "
                f"{schedule_id}."
            )
        return run
    latest = ctx.core.runs.latest(schedule_id)
    if latest is None:
        raise NotFound(f"schedule {schedule_id} has not run yet, so it has no log.")
    return latest


def _emit(ctx: Context, lines: list[LogLine], zone: str) -> int:
    """Print `lines`; the id of the last one (0 for none)."""
    for line in lines:
        if ctx.args.json:
            print(json.dumps(line.as_data(), ensure_ascii=False), file=ctx.out)
        else:
            print(log_line(line, zone), file=ctx.out)
    ctx.out.flush()
    return lines[-1].id if lines else 0


def cmd_logs(ctx: Context) -> int:
    """Print one run's log; with --follow, keep printing until the run ends (Ctrl-C stops)."""
    schedule = ctx.core.schedules.get(target(ctx))
    run = _pick_run(ctx, schedule.id)
    zone = schedule.timezone
    started = render.local_time(run.started_at or run.scheduled_for, zone)
    ctx.err(f"run {run.id} of schedule {schedule.id} {schedule.name!r}: {run.status}, {started}")
    try:
        last = _emit(ctx, ctx.core.runs.log.lines(run.id), zone)
        status = run.status
        while ctx.args.follow and status in _GOING:
            time.sleep(FOLLOW_EVERY_S)
            # The status first: lines written before the run ended are all there once it has.
            status = ctx.core.runs.get(run.id).status
            last = _emit(ctx, ctx.core.runs.log.lines(run.id, after=last), zone) or last
    except KeyboardInterrupt:  # the usual way to stop following
        ctx.err("")
        return EXIT_OK
    if not last and run.started_at is None and status not in _GOING:
        why = f": {run.note or run.error}" if run.note or run.error else ""
        ctx.err(f"run {run.id} never started, so it has no log{why}")
    elif not last and status not in _GOING:
        ctx.err(f"run {run.id} wrote no log lines (runs before this version of amx kept none)")
    if ctx.args.follow:
        ended = ctx.core.runs.get(run.id)
        ctx.err(f"run {ended.id} {ended.status}" + (f": {ended.error}" if ended.error else ""))
    return EXIT_OK


def register(sched: Subparsers) -> None:
    """Add `amx schedule logs`."""
    p = sched.add_parser("logs", help="a run's log (the latest run unless --run)")
    add_ref(p)
    p.add_argument("--run", type=positive_id, metavar="N", help="this run instead of the latest")
    p.add_argument("--follow", "-f", action="store_true", help="print new lines until the run ends")
    p.add_argument("--json", action="store_true", help="one JSON object a line")
    p.set_defaults(handler=cmd_logs)
