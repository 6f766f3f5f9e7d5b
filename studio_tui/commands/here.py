"""`amx schedule run-now ID --here`: run the schedule's scenario in this process, with progress."""

from __future__ import annotations

import threading
from typing import IO

from core.analysis.counts import analysis_counts
from core.analysis.job import Progress, ProgressFn
from core.schedules.views import RunInfo
from core.text import counted
from daemon.execute import recorder
from daemon.steps.runner import RunOrder, run_scenario
from studio_tui import render
from studio_tui.commands.base import EXIT_OK, EXIT_REFUSED, Context

BAR = 28


def progress_printer(stream: IO[str]) -> ProgressFn:
    """A progress bar on a terminal, one line a table elsewhere."""
    tty = stream.isatty()

    def show(p: Progress) -> None:
        if tty:
            filled = BAR * p.done // p.total if p.total else BAR
            table = render.clip(p.table or "", 40)
            errors = f"  {p.errors} failed" if p.errors else ""
            stream.write(
                f"\r[{'#' * filled}{'.' * (BAR - filled)}] {p.done}/{p.total} {table:<40}{errors}"
            )
            if p.done >= p.total:
                stream.write("\n")
        elif p.table:
            stream.write(f"{p.done}/{p.total} {p.table}\n")
        stream.flush()

    return show


def outcome(run: RunInfo) -> str:
    """One line on how a run ended."""
    s = run.summary or {}
    steps = s.get("steps") or []
    if "tables" not in s and steps:
        said = ", ".join(f"{step['label']} {step['status']}" for step in steps)
        return f"run {run.id} {run.status}: {counted(len(steps), 'step')}: {said}"
    parts = f"{analysis_counts(s)}, {s.get('duration_s', 0):.1f} s"
    return f"run {run.id} {run.status}: {parts}"


def run_here(ctx: Context, schedule_id: int) -> int:
    """Start a manual run, execute it with a progress bar; Ctrl-C stops between tables."""
    run = ctx.core.runs.start_here(schedule_id)
    cancel = threading.Event()
    done: list[RunInfo] = []
    failure: list[BaseException] = []

    printer, record = progress_printer(ctx.error_out), recorder(ctx.core, run.id)

    def both(p: Progress) -> None:
        printer(p)
        record(p)

    def work() -> None:
        try:
            order = RunOrder(run.id, ctx.core.schedules.get(schedule_id), final=True)
            ended = run_scenario(ctx.core, order, cancel, both)
            done.append(
                ctx.core.runs.finish(run.id, ended.status, summary=ended.summary, error=ended.error)
            )
        except BaseException as exc:  # handed to the main thread below
            failure.append(exc)

    worker = threading.Thread(target=work, name="amx-run-here")
    worker.start()
    while worker.is_alive():
        try:
            worker.join(0.2)
        except KeyboardInterrupt:
            cancel.set()
            ctx.err("\nstopping after the tables in progress …")
    if failure:
        raise failure[0]
    finished = done[0]
    if ctx.args.json:
        ctx.json(finished.model_dump(mode="json"))
    else:
        ctx.print(outcome(finished))
        for item in (finished.summary or {}).get("errors", []):
            ctx.print(f"  failed {item['table']}: {item['error']}")
        missing = (finished.summary or {}).get("missing", [])
        if missing:
            ctx.print(f"  no longer in the database: {', '.join(missing)}")
        summary = finished.summary or {}
        if summary.get("proposals", 0) > summary.get("applied", 0):
            ctx.print(f"review with: amx review list --run {finished.id}")
    return EXIT_OK if finished.status == "succeeded" else EXIT_REFUSED
