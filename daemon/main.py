"""Start-up of the resident daemon: `python -m daemon`, which the OS hooks run.

`amx daemon run` takes the same options and calls `serve`. This stays resident, so it imports
only what claiming and watching need: the analysis code runs in its job process
(daemon.job_process), and the health server loads only when a port is asked for.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO

from core.catalog.stored_secrets import stored_secrets
from core.clock import Clock, OffsetClock, SystemClock
from core.errors import AmxError, InvalidInput
from core.schedules.queue import QueueSite
from core.storage.engine import Database
from daemon import logs
from daemon.heartbeat import new_worker_id
from daemon.job_process import ChildProcessRunner
from daemon.options import IDLE_EXIT_S, add_arguments
from daemon.worker import Worker, WorkerConfig

PROG = "python -m daemon"
EXIT_OK, EXIT_REFUSED = 0, 1
EXIT_DATABASE_LOST = 3  # the database file was deleted or replaced: the OS hook restarts us


@dataclass(frozen=True)
class DaemonOptions:
    """What the daemon starts with: its database, its worker, and the extras around it."""

    database_url: str | None  # None: $AMX_DATABASE_URL, else the embedded default
    worker: WorkerConfig
    jobs_idle_exit: float = IDLE_EXIT_S
    health_port: int | None = None
    log_file: Path | None = None

    def __post_init__(self) -> None:
        if not self.jobs_idle_exit > 0:
            raise InvalidInput("jobs_idle_exit", "jobs_idle_exit must be more than 0 seconds.")
        if self.health_port is not None and not 0 <= self.health_port <= 65535:
            raise InvalidInput("health_port", "health_port must be a TCP port, 0 to 65535.")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> DaemonOptions:
        """The options parsed by a parser given `add_arguments` (and `--database-url`)."""
        return cls(
            database_url=args.database_url,
            worker=WorkerConfig(
                concurrency=args.concurrency,
                poll=args.poll,
                heartbeat=args.heartbeat,
                lease=args.lease,
                grace=args.grace,
                retry_base=args.retry_base,
                worker_id=args.worker_id or new_worker_id(),
            ),
            jobs_idle_exit=args.jobs_idle_exit,
            health_port=args.health_port,
            log_file=Path(args.log_file) if args.log_file else None,
        )


def build_parser() -> argparse.ArgumentParser:
    """`python -m daemon [--database-url URL] [options]`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="The AMX Studio daemon: fires due schedules until SIGTERM or SIGINT.",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="where schedules live (default: $AMX_DATABASE_URL, else a SQLite file in the "
        "user data directory)",
    )
    add_arguments(parser)
    return parser


def serve(options: DaemonOptions, *, clock: Clock | None = None, err: IO[str] | None = None) -> int:
    """Run the worker in the foreground until SIGTERM/SIGINT, then drain; returns the exit code.

    Start-up notes go to `err` (standard error by default); everything else to the log.
    """
    err = err or sys.stderr
    path = logs.setup(options.log_file)
    # On PostgreSQL the worker keeps this clock in step with the database server's.
    db = Database(options.database_url)
    for found in stored_secrets(db):
        logging.getLogger("amx.daemon").warning("%s", found.message)
    site = QueueSite(db, OffsetClock(clock or SystemClock()))  # its first tick marks missed runs
    retry_base = timedelta(seconds=options.worker.retry_base)
    runner = ChildProcessRunner(site, db.url_text, retry_base, idle_exit=options.jobs_idle_exit)
    worker = Worker(site, options.worker, runner=runner)
    worker.install_signal_handlers()
    server = None
    if options.health_port is not None:
        from daemon.health import HealthServer, health

        server = HealthServer(lambda: health(site).as_json(), options.health_port)
        server.start()
        print(f"health: http://127.0.0.1:{server.port}/health", file=err)
    print(f"amx daemon {worker.id} on {db.masked_url}; log: {path}", file=err)
    try:
        worker.run()
    finally:
        if server is not None:
            server.close()
        site.close()
    code = EXIT_DATABASE_LOST if worker.database_lost else EXIT_OK
    if worker.database_lost:
        print(f"error: {worker.database_lost}; restart the daemon", file=err)
    if worker.stuck:
        # A job blocked in a network call would hold the interpreter open at exit; its run is
        # already released, so leave without waiting for it.
        logging.shutdown()
        sys.stdout.flush()
        err.flush()
        os._exit(code)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m daemon`: 0 once stopped, 1 when refused (one sentence on stderr), 2 on usage."""
    args = build_parser().parse_args(argv)
    try:
        return serve(DaemonOptions.from_args(args))
    except AmxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
