"""`amx api token create|list|revoke`: the bearer tokens of the HTTP API."""

from __future__ import annotations

from studio_tui import render
from studio_tui.commands.base import EXIT_OK, Context, Subparsers, subcommands


def cmd_token_create(ctx: Context) -> int:
    made = ctx.core.tokens.create(ctx.args.name, read_only=ctx.args.read_only)
    if ctx.args.json:
        ctx.json({**made.token.model_dump(mode="json"), "secret": made.secret})
        return EXIT_OK
    access = "read-only" if made.token.read_only else "read and write"
    ctx.print(f"created token {made.token.name!r} ({access}); it is shown only this once:")
    ctx.print(made.secret)
    return EXIT_OK


def cmd_token_list(ctx: Context) -> int:
    tokens = ctx.core.tokens.list(revoked=ctx.args.all)
    if ctx.args.json:
        ctx.json([t.model_dump(mode="json") for t in tokens])
    elif not tokens:
        ctx.print("no API tokens yet; create one with `amx api token create NAME`")
    else:
        from core.schedules.triggers import default_zone_name

        zone = default_zone_name()  # the reader's: a token has no zone of its own
        rows = [
            [
                t.name,
                "read-only" if t.read_only else "read-write",
                render.local_time_marked(t.created_at, zone),
                render.local_time_marked(t.revoked_at, zone) if t.revoked_at else "",
            ]
            for t in tokens
        ]
        ctx.print(render.table(["NAME", "ACCESS", "CREATED", "REVOKED"], rows))
    return EXIT_OK


def cmd_token_revoke(ctx: Context) -> int:
    info = ctx.core.tokens.revoke(ctx.args.name)
    ctx.print(f"revoked token {info.name!r}: requests bearing it are refused from now on")
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx api token …`."""
    api = subcommands(top.add_parser("api", help="the HTTP API's access tokens"), "what")
    token = subcommands(api.add_parser("token", help="bearer tokens of `amx serve`"), "verb")
    p = token.add_parser("create", help="create a token; its secret is shown once")
    p.add_argument("name", help="who or what uses it")
    p.add_argument("--read-only", action="store_true", help="may read, never change anything")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_token_create)
    p = token.add_parser("list", help="list the live tokens (never their secrets)")
    p.add_argument("--all", action="store_true", help="revoked tokens too")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_token_list)
    p = token.add_parser("revoke", help="refuse a token from now on")
    p.add_argument("name")
    p.set_defaults(handler=cmd_token_revoke)
