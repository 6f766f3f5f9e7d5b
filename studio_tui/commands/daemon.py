"""`amx daemon run | tick | health`: the worker that fires schedules, and its health."""

from __future__ import annotations

import logging
import os
import sys
from datetime import timedelta
from pathlib import Path

from core.clock import OffsetClock
from core.errors import InvalidInput
from core.schedules.queue import QueueSite
from core.storage.engine import Database
from core.storage.utc import iso_utc
from daemon import logs
from daemon.heartbeat import new_worker_id
from daemon.job_process import IDLE_EXIT_S, ChildProcessRunner
from daemon.tick import tick
from daemon.worker import Worker, WorkerConfig
from studio_tui.commands.base import EXIT_OK, EXIT_REFUSED, Context, Subparsers, subcommands

# `amx daemon run` stays resident: it imports only what claiming and watching need. The
# analysis code runs in its job process (daemon.job_process); the health server and the
# services load only for the commands that use them.


def cmd_run(ctx: Context) -> int:
    a = ctx.args
    for name in (
        "concurrency",
        "poll",
        "heartbeat",
        "lease",
        "grace",
        "retry_base",
        "jobs_idle_exit",
    ):
        if getattr(a, name) <= 0:
            raise InvalidInput(name, f"--{name.replace('_', '-')} must be more than 0.")
    if a.lease <= a.heartbeat:
        raise InvalidInput("lease", "--lease must be longer than --heartbeat, or leases lapse.")
    path = logs.setup(Path(a.log_file) if a.log_file else None)
    config = WorkerConfig(
        concurrency=a.concurrency,
        poll=a.poll,
        heartbeat=a.heartbeat,
        lease=a.lease,
        grace=a.grace,
        retry_base=a.retry_base,
        worker_id=a.worker_id or new_worker_id(),
    )
    # On PostgreSQL the worker keeps this clock in step with the database server's.
    db = Database(a.database_url)
    site = QueueSite(db, OffsetClock(ctx.clock))  # its first tick marks missed runs
    runner = ChildProcessRunner(
        site, db.url_text, timedelta(seconds=a.retry_base), idle_exit=a.jobs_idle_exit
    )
    worker = Worker(site, config, runner=runner)
    worker.install_signal_handlers()
    server = None
    if a.health_port is not None:
        from daemon.health import HealthServer, health

        server = HealthServer(lambda: health(site).as_json(), a.health_port)
        server.start()
        ctx.err(f"health: http://127.0.0.1:{server.port}/health")
    ctx.err(f"amx daemon {worker.id} on {db.masked_url}; log: {path}")
    try:
        worker.run()
    finally:
        if server is not None:
            server.close()
        site.close()
    if worker.stuck:
        # A job blocked in a network call would hold the interpreter open at exit; its run is
        # already released, so leave without waiting for it.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_OK)
    return EXIT_OK


def cmd_tick(ctx: Context) -> int:
    from daemon.execute import execute

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
        state = "alive" if report.alive else "not alive"
        ctx.print(f"daemon {state}; last heartbeat {report.last_seen.isoformat()}")
        for w in report.workers:
            mark = "alive" if w.alive else ("stopped" if w.stopped else "silent")
            off = f"  clock {w.clock_skew_s:+.1f} s off the database" if w.skewed else ""
            ctx.print(
                f"  {w.id}  {mark}  last seen {iso_utc(w.last_seen_at)}  version {w.version}{off}"
            )
        if report.older:
            ctx.print(f"  … and {report.older} seen more than a day ago (--all lists them)")
    return EXIT_OK if report.alive else EXIT_REFUSED


def register(top: Subparsers) -> None:
    """Add `amx daemon …`."""
    daemon = subcommands(top.add_parser("daemon", help="the worker that fires schedules"), "verb")
    p = daemon.add_parser("run", help="run the worker in the foreground until SIGTERM/SIGINT")
    p.add_argument("--concurrency", type=int, default=2, help="jobs at once (default 2)")
    p.add_argument("--poll", type=float, default=1.0, help="seconds between polls (default 1)")
    p.add_argument("--heartbeat", type=float, default=30.0, help="seconds between heartbeats")
    p.add_argument(
        "--lease", type=float, default=90.0, help="seconds a claim stays valid unrenewed"
    )
    p.add_argument("--grace", type=float, default=30.0, help="seconds to let jobs finish on stop")
    p.add_argument(
        "--retry-base",
        type=float,
        default=30.0,
        help="seconds before the first retry; doubles each time up to 1 h (default 30)",
    )
    p.add_argument(
        "--jobs-idle-exit",
        type=float,
        default=IDLE_EXIT_S,
        help="jobs run in a helper process, which exits after this many seconds without work "
        f"(default {IDLE_EXIT_S:g})",
    )
    p.add_argument("--health-port", type=int, help="serve GET /health on 127.0.0.1:PORT")
    p.add_argument("--worker-id", help="a stable id for this worker (default: host:pid:nonce)")
    p.add_argument("--log-file", help="log here instead of the user log directory")
    p.set_defaults(handler=cmd_run)
    p = daemon.add_parser("tick", help="one pass: recover, mark missed, run what is due, exit")
    p.add_argument("--max", type=int, default=10, help="run at most this many (default 10)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_tick)
    p = daemon.add_parser("health", help="is a daemon alive? (exit 0 yes, 1 no)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="also workers seen more than a day ago")
    p.set_defaults(handler=cmd_health)
