"""The daemon's options and their defaults, in a module that loads nothing else, so that the
command line can list them without loading the worker."""

from __future__ import annotations

import argparse

# The product's defaults, in seconds but for the number of jobs at once.
CONCURRENCY = 2
POLL_S = 1.0
HEARTBEAT_S = 30.0
LEASE_S = 90.0
GRACE_S = 30.0
RETRY_BASE_S = 30.0
IDLE_EXIT_S = 30.0  # how long the job process waits for work before it exits


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The daemon's options (all but `--database-url`), shared with `amx daemon run`."""
    parser.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        default=CONCURRENCY,
        help=f"jobs at once (default {CONCURRENCY})",
    )
    parser.add_argument(
        "--poll",
        type=float,
        metavar="SECONDS",
        default=POLL_S,
        help=f"seconds between polls (default {POLL_S:g})",
    )
    parser.add_argument(
        "--heartbeat",
        type=float,
        metavar="SECONDS",
        default=HEARTBEAT_S,
        help=f"seconds between heartbeats (default {HEARTBEAT_S:g})",
    )
    parser.add_argument(
        "--lease",
        type=float,
        metavar="SECONDS",
        default=LEASE_S,
        help="seconds a claim stays valid unrenewed; longer than --heartbeat "
        f"(default {LEASE_S:g})",
    )
    parser.add_argument(
        "--grace",
        type=float,
        metavar="SECONDS",
        default=GRACE_S,
        help=f"seconds to let jobs finish on stop (default {GRACE_S:g})",
    )
    parser.add_argument(
        "--retry-base",
        type=float,
        metavar="SECONDS",
        default=RETRY_BASE_S,
        help="seconds before the first retry; doubles each time up to 1 h "
        f"(default {RETRY_BASE_S:g})",
    )
    parser.add_argument(
        "--jobs-idle-exit",
        type=float,
        metavar="SECONDS",
        default=IDLE_EXIT_S,
        help="jobs run in a helper process, which exits after this many seconds without work "
        f"(default {IDLE_EXIT_S:g})",
    )
    parser.add_argument(
        "--health-port", type=int, metavar="PORT", help="serve GET /health on 127.0.0.1:PORT"
    )
    parser.add_argument(
        "--worker-id", metavar="ID", help="a stable id for this worker (default: host:pid:nonce)"
    )
    parser.add_argument(
        "--log-file", metavar="FILE", help="log here instead of the user log directory"
    )
