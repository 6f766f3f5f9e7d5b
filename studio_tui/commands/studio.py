"""`amx studio [--demo] [--theme NAME]`: the full-screen studio."""

from __future__ import annotations

from studio_tui.commands.base import EXIT_OK, Context, Subparsers


def cmd_studio(ctx: Context) -> int:
    if ctx.args.demo:
        from core.demo import create_demo

        create_demo(ctx.core)
    from studio_tui.app import StudioApp  # Textual loads only for the studio

    StudioApp(ctx.core, clock=ctx.clock, theme=ctx.args.theme).run()
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx studio`."""
    p = top.add_parser("studio", help="open the full-screen studio")
    p.add_argument("--demo", action="store_true", help="on the demo shop (created if needed)")
    p.add_argument("--theme", help="amx-dark, amx-light or any Textual theme (remembered)")
    p.set_defaults(handler=cmd_studio)
