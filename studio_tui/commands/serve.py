"""`amx serve`: the HTTP API on 127.0.0.1 unless `--host` names another address."""

from __future__ import annotations

import argparse

from studio_tui.commands.base import EXIT_OK, Context, Subparsers, whole_number


def port_number(text: str) -> int:
    """An argparse type for a TCP port."""
    value = whole_number(text)
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"port {text!r} is not from 1 to 65535")
    return value


def cmd_serve(ctx: Context) -> int:
    # Only `serve` needs the web framework: loaded here, not with the command tree.
    from daemon.api.main import serve
    from daemon.api.server import DEFAULT_HOST

    def say(text: str) -> None:
        ctx.print(text)
        ctx.out.flush()

    serve(ctx.core, ctx.args.host or DEFAULT_HOST, ctx.args.port, say=say, warn=ctx.err)
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx serve`."""
    p = top.add_parser("serve", help="serve the HTTP API (bearer tokens: `amx api token`)")
    p.add_argument(
        "--host",
        metavar="ADDRESS",
        help="address to listen on (default 127.0.0.1; another one must be given here)",
    )
    p.add_argument(
        "--port", type=port_number, default=8470, metavar="PORT", help="port (default 8470)"
    )
    p.set_defaults(handler=cmd_serve)
