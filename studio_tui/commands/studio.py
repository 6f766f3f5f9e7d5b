"""`amx studio [--demo] [--theme NAME] [--web [--host H] [--port N]]`: the full-screen studio,
here in the terminal or served to web browsers."""

from __future__ import annotations

import importlib.util
import os
import socket
import sys

from core.errors import InvalidInput
from studio_tui.commands.base import EXIT_OK, Context, Subparsers, UsageError
from studio_tui.commands.serve import port_number

DEFAULT_WEB_PORT = 8471
WEB_ONLY = ("host", "port", "public_url")


def cmd_studio(ctx: Context) -> int:
    if ctx.args.web:
        return serve_web(ctx)
    for name in WEB_ONLY:
        if getattr(ctx.args, name) is not None:
            option = "--" + name.replace("_", "-")
            raise UsageError(f"{option} applies only to the studio in a browser; add --web")
    if ctx.args.demo:
        from core.demo import create_demo

        create_demo(ctx.core)
    from studio_tui.app import StudioApp  # Textual loads only for the studio

    StudioApp(ctx.core, clock=ctx.clock, theme=ctx.args.theme).run()
    return EXIT_OK


def serve_web(ctx: Context) -> int:
    """Serve the studio to browsers until Ctrl-C; each tab runs its own studio process."""
    if importlib.util.find_spec("textual_serve") is None:
        raise InvalidInput(
            "web",
            "the studio in a browser needs the textual-serve package, which is not installed "
            f"here; install it with `{sys.executable} -m pip install 'textual-serve>=1.1'`.",
        )
    from daemon.sockets import DEFAULT_HOST, bound_socket, is_loopback
    from studio_tui.web.child import child_environment, shell_line, studio_argv

    public_url: str | None = ctx.args.public_url
    if public_url is not None and not public_url.startswith(("http://", "https://")):
        raise InvalidInput(
            "public_url",
            f"--public-url {public_url!r} is not a web address; give the one browsers open, "
            "such as https://studio.example.org/.",
        )
    # The database is opened (and the demo written) once here, so a bad URL is said at once
    # rather than in every tab.
    if ctx.args.demo:
        from core.demo import create_demo

        create_demo(ctx.core)
    else:
        _ = ctx.core
    host: str = ctx.args.host or DEFAULT_HOST
    port: int = DEFAULT_WEB_PORT if ctx.args.port is None else ctx.args.port
    try:
        sock = bound_socket(host, port)
    except OSError as exc:
        raise InvalidInput(
            "port",
            f"cannot listen on {host} port {port}: {exc.strerror or exc}; choose another "
            "port with --port (or another address with --host).",
        ) from None
    from studio_tui.web.server import StudioServer

    os.environ.update(child_environment(ctx.args.database_url))
    command = shell_line(studio_argv(demo=ctx.args.demo, theme=ctx.args.theme))
    web = StudioServer(command, host=host, port=port, public_url=public_url)
    if not is_loopback(host):
        ctx.err(
            f"warning: serving the studio on {host}, reachable from other machines, and "
            "textual-serve has no authentication: anyone who reaches this port gets a studio "
            "on your database; prefer the default 127.0.0.1 with an SSH tunnel "
            f"(ssh -L {port}:127.0.0.1:{port} {socket.gethostname()}), or put an authenticating "
            "proxy in front."
        )
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = socket.gethostname()
    ctx.print(f"serving the studio to web browsers: open {public_url or f'http://{shown}:{port}/'}")
    ctx.print("press Ctrl-C to stop (every open tab's studio closes with it)")
    ctx.out.flush()
    try:
        web.serve_on(sock)
    finally:
        sock.close()
    ctx.print("stopped serving the studio")
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx studio`."""
    p = top.add_parser("studio", help="open the full-screen studio (or serve it to browsers)")
    p.add_argument("--demo", action="store_true", help="on the demo shop (created if needed)")
    p.add_argument(
        "--theme", metavar="NAME", help="amx-dark, amx-light or any Textual theme (remembered)"
    )
    p.add_argument(
        "--web",
        action="store_true",
        help="serve the studio to web browsers (needs textual-serve); each tab runs its own",
    )
    p.add_argument(
        "--host",
        metavar="ADDRESS",
        help="with --web: address to listen on (default 127.0.0.1; another one must be given "
        "here, and has no authentication)",
    )
    p.add_argument(
        "--port",
        type=port_number,
        metavar="PORT",
        help=f"with --web: port to listen on (default {DEFAULT_WEB_PORT})",
    )
    p.add_argument(
        "--public-url",
        metavar="URL",
        help="with --web: the address browsers use, when a proxy stands in front (default: "
        "the address each browser reached)",
    )
    p.set_defaults(handler=cmd_studio)
