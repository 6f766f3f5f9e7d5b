"""Serving the HTTP API until SIGTERM or SIGINT: `amx serve`, and `python -m daemon.api`, which
the OS hook of `amx schedule install-daemon --api` runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from core.api import Core
from core.errors import AmxError, InvalidInput
from daemon.api.address import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    base_url,
    check_host,
    check_port,
    exposure_warning,
)
from daemon.api.server import bound_socket, server

PROG = "python -m daemon.api"
EXIT_OK, EXIT_REFUSED = 0, 1


def serve(
    core: Core, host: str, port: int, *, say: Callable[[str], None], warn: Callable[[str], None]
) -> None:
    """Listen on host:port and serve the API over `core` until SIGTERM or SIGINT.

    Raises InvalidInput, in one sentence, when the address cannot be listened on.
    """
    try:
        sock = bound_socket(host, port)
    except OSError as exc:
        raise InvalidInput(
            "port",
            f"cannot listen on {host} port {port}: {exc.strerror or exc}; choose another port "
            "or address.",
        ) from None
    api = server(core, host, port)
    warning = exposure_warning(host)
    if warning:
        warn(f"warning: {warning}")
    say(f"serving the AMX API on {base_url(host, port)} (OpenAPI at /docs)")
    try:
        api.run(sockets=[sock])
    finally:
        sock.close()


def _port(text: str) -> int:
    try:
        return check_port(int(text))
    except (ValueError, InvalidInput):
        raise argparse.ArgumentTypeError(f"port {text!r} is not from 1 to 65535") from None


def build_parser() -> argparse.ArgumentParser:
    """`python -m daemon.api [--database-url URL] [--host ADDRESS] [--port PORT]`."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="The AMX Studio HTTP API, as `amx serve` serves it."
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="where schedules live (default: $AMX_DATABASE_URL, else a SQLite file in the "
        "user data directory)",
    )
    parser.add_argument(
        "--host", metavar="ADDRESS", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}"
    )
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    return parser


def _say(text: str) -> None:
    print(text, flush=True)


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m daemon.api`: 0 once stopped, 1 when refused (one sentence on stderr)."""
    args = build_parser().parse_args(argv)
    try:
        host = check_host(args.host)
        core = Core.open(args.database_url)
    except AmxError as exc:
        _warn(f"error: {exc}")
        return EXIT_REFUSED
    try:
        serve(core, host, args.port, say=_say, warn=_warn)
    except AmxError as exc:
        _warn(f"error: {exc}")
        return EXIT_REFUSED
    finally:
        core.close()
    return EXIT_OK
