"""`amx catalog …` and `amx demo`: browsing what a DB profile holds."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.text import counted
from studio_tui.commands.base import EXIT_OK, Context, Subparsers, non_negative, subcommands

if TYPE_CHECKING:
    from core.catalog.service import CatalogNode, Listing

KIND_MARK = {"database": "database", "schema": "schema", "table": "table", "view": "view"}


def age(fetched: datetime, now: datetime) -> str:
    """`just now`, `5 min ago`, `3 h ago`, `2 d ago`."""
    seconds = max(0, int((now - fetched).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def _column_text(node: CatalogNode) -> str:
    bits = [node.type or "?"]
    if node.primary_key:
        bits.append("pk")
    if node.foreign_key:
        bits.append(f"→ {node.foreign_key}")
    if node.nullable is False:
        bits.append("not null")
    return "  ".join(bits)


def _lines(nodes: list[CatalogNode], prefix: str) -> list[str]:
    out = []
    for index, node in enumerate(nodes):
        last = index == len(nodes) - 1
        branch, below = ("└─ ", "   ") if last else ("├─ ", "│  ")
        detail = _column_text(node) if node.kind == "column" else node.kind
        out.append(f"{prefix}{branch}{node.name}  {detail}")
        if node.children:
            out += _lines(node.children, prefix + below)
    return out


def _to_json(node: CatalogNode) -> dict[str, object]:
    data: dict[str, object] = node.model_dump(exclude_none=True, exclude={"children"})
    if node.kind != "column":
        data["children"] = [_to_json(c) for c in node.children or []]
    return data


def cmd_show(ctx: Context) -> int:
    from core.catalog.scope import parse_path

    profile = ctx.args.profile
    path = parse_path(ctx.args.path) if ctx.args.path else ()
    tree = ctx.core.catalog.tree(profile, path, depth=ctx.args.depth)
    if ctx.args.json:
        ctx.json(_to_json(tree))
        return EXIT_OK
    listing: Listing = ctx.core.catalog.children(profile, path)
    when = age(listing.fetched_at, ctx.clock.now())
    ctx.print(f"{profile}{'  ' + '.'.join(path) if path else ''}  (read {when})")
    if listing.error:
        ctx.err(f"warning: showing the cached catalog: {listing.error}")
    ctx.print("\n".join(_lines(tree.children or [], "")))
    return EXIT_OK


def cmd_refresh(ctx: Context) -> int:
    counts = ctx.core.catalog.refresh(ctx.args.profile)
    ctx.print(
        f"refreshed {ctx.args.profile!r}: {counted(counts['schemas'], 'schema')}, "
        f"{counted(counts['tables'], 'table')} and views, {counted(counts['columns'], 'column')}"
    )
    return EXIT_OK


def cmd_demo(ctx: Context) -> int:
    from core.demo import create_demo

    info = create_demo(ctx.core)
    ctx.print(
        f"demo ready: DB profile {info.profile!r} with {counted(info.table_count, 'table')} and "
        f"{counted(info.column_count, 'column')} in {info.folder}; "
        f"{counted(len(info.schedules_created), 'schedule')} added"
    )
    ctx.print("try: amx catalog show demo   amx schedule list")
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx catalog …` and `amx demo`."""
    catalog = subcommands(top.add_parser("catalog", help="browse what a DB profile holds"), "verb")
    p = catalog.add_parser("show", help="show a profile's databases, schemas, tables and columns")
    p.add_argument("profile")
    p.add_argument("path", nargs="?", help="start below database[.schema[.table]]")
    p.add_argument(
        "--depth", type=non_negative, default=3, metavar="N", help="levels to show (default 3)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_show)
    p = catalog.add_parser("refresh", help="re-read a profile's catalog")
    p.add_argument("profile")
    p.set_defaults(handler=cmd_refresh)
    p = top.add_parser("demo", help="create the demo shop database, profile and schedules")
    p.set_defaults(handler=cmd_demo)
