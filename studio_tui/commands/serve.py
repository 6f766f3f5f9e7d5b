"""`amx serve`: the HTTP API on 127.0.0.1 unless `--host` names another address."""

from __future__ import annotations

import argparse

from core.errors import InvalidInput
from studio_tui.commands.base import EXIT_OK, Context, Subparsers, whole_number


def port_number(text: str) -> int:
    """An argparse type for a TCP port."""
    value = whole_number(text)
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"port {text!r} is not from 1 to 65535")
    return value


def cmd_serve(ctx: Context) -> int:
    # Only `serve` needs the web framework: loaded here, not with the command tree.
    from daemon.api.server import DEFAULT_HOST, bound_socket, is_loopback, server

    host = ctx.args.host or DEFAULT_HOST
    try:
        sock = bound_socket(host, ctx.args.port)
    except OSError as exc:
        raise InvalidInput(
            "port",
            f"cannot listen on {host} port {ctx.args.port}: {exc.strerror or exc}; choose "
            "another port or address.",
        ) from None
    api = server(ctx.core, host, ctx.args.port)
    if not is_loopback(host):
        ctx.err(
            f"warning: serving on {host}, reachable from other machines; tokens travel in "
            "clear text unless a TLS proxy stands in front."
        )
    shown = f"[{host}]" if ":" in host else host
    ctx.print(f"serving the AMX API on http://{shown}:{ctx.args.port} (OpenAPI at /docs)")
    ctx.out.flush()
    try:
        api.run(sockets=[sock])
    finally:
        sock.close()
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx serve`."""
    p = top.add_parser("serve", help="serve the HTTP API (bearer tokens: `amx api token`)")
    p.add_argument(
        "--host",
        metavar="ADDRESS",
        help="address to listen on (default 127.0.0.1; another one must be given here)",
    )
    p.add_argument("--port", type=port_number, default=8470, help="port (default 8470)")
    p.set_defaults(handler=cmd_serve)
