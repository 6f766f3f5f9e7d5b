"""`amx profile db|llm|mail …`: DB, LLM and mail profiles."""

from __future__ import annotations

from core.choices import PROVIDERS, SECURITIES
from core.text import counted
from studio_tui import render
from studio_tui.commands.base import EXIT_OK, Context, Subparsers, subcommands
from studio_tui.commands.width import output_width


def cmd_db_add(ctx: Context) -> int:
    a = ctx.args
    info = ctx.core.profiles.add_db(
        a.name,
        a.url,
        sample_size=a.sample_size,
        create=a.create,
        owner_email=a.owner_email,
        labels=a.label or (),
    )
    ctx.print(f"added DB profile {info.name!r}: {info.url}")
    # A new profile has no instances but those its default_enabled templates just gave it
    # (a profile in use cannot be removed, so none is left from an earlier one of its name).
    for cell in ctx.core.templates.matrix().cells:
        if cell.profile == info.name and cell.schedule_id is not None:
            ctx.print(f"enabled template {cell.slug!r} for it (schedule {cell.schedule_id})")
    return EXIT_OK


def cmd_db_list(ctx: Context) -> int:
    profiles = ctx.core.profiles.list_db()
    if ctx.args.json:
        ctx.json([p.model_dump(mode="json") for p in profiles])
    elif not profiles:
        ctx.print("no DB profiles yet; add one with `amx profile db add NAME URL`")
    else:
        rows = [[p.name, render.readable_url(p.url), str(p.sample_size)] for p in profiles]
        width = output_width(ctx.out, ctx.width)
        ctx.print(render.table(["NAME", "URL", "SAMPLES"], rows, width, [("URL", 24)]))
    return EXIT_OK


def cmd_db_test(ctx: Context) -> int:
    name = ctx.args.name
    databases = ctx.core.catalog.children(name, (), live=True)
    default = ctx.core.catalog.default_database(name)
    schemas = ctx.core.catalog.children(name, (default,), live=True)
    ctx.print(
        f"reached {name!r}: {counted(len(databases.nodes), 'database')}; {default!r} has "
        f"{counted(len(schemas.nodes), 'schema')}: {', '.join(n.name for n in schemas.nodes[:8])}"
    )
    return EXIT_OK


def cmd_llm_test(ctx: Context) -> int:
    from core.analysis.llm.factory import annotator_for_profile
    from core.catalog.metadata import ColumnMeta, TableMeta
    from core.storage.engine import masked

    row = ctx.core.profiles.get_llm(ctx.args.name)
    annotator = annotator_for_profile(row)
    ping = getattr(annotator, "ping", None)
    if callable(ping):
        reply = str(ping())
        shown = masked(row.base_url or "")
        ctx.print(f"{row.name!r} answered from {shown} ({row.model}): {reply[:80]!r}")
        return EXIT_OK
    probe = TableMeta(
        schema="public",
        name="users",
        columns=(ColumnMeta("id", "INTEGER", primary_key=True), ColumnMeta("email", "TEXT")),
    )
    result = annotator.annotate(probe)
    ctx.print(f"{row.name!r} works offline: {result.annotation.description}")
    return EXIT_OK


def cmd_db_set_url(ctx: Context) -> int:
    info = ctx.core.profiles.set_db_url(ctx.args.name, ctx.args.url)
    ctx.print(f"DB profile {info.name!r} now uses {info.url}")
    return EXIT_OK


def cmd_llm_set_url(ctx: Context) -> int:
    info = ctx.core.profiles.set_llm_base_url(ctx.args.name, ctx.args.url)
    ctx.print(f"LLM profile {info.name!r} now uses {info.base_url}")
    return EXIT_OK


def cmd_db_rm(ctx: Context) -> int:
    ctx.core.profiles.remove_db(ctx.args.name)
    ctx.print(f"removed DB profile {ctx.args.name!r}")
    return EXIT_OK


def cmd_llm_add(ctx: Context) -> int:
    a = ctx.args
    info = ctx.core.profiles.add_llm(
        a.name,
        a.provider,
        model=a.model,
        base_url=a.base_url,
        api_key_env=a.api_key_env,
        concurrency=a.concurrency,
    )
    ctx.print(f"added LLM profile {info.name!r} ({info.provider})")
    return EXIT_OK


def cmd_llm_list(ctx: Context) -> int:
    profiles = ctx.core.profiles.list_llm()
    if ctx.args.json:
        ctx.json([p.model_dump(mode="json") for p in profiles])
    else:
        rows = [
            [p.name, p.provider, p.model or "—", p.base_url or "—", p.api_key_env or "—"]
            for p in profiles
        ]
        ctx.print(render.table(["NAME", "PROVIDER", "MODEL", "BASE URL", "KEY FROM"], rows))
    return EXIT_OK


def cmd_llm_rm(ctx: Context) -> int:
    ctx.core.profiles.remove_llm(ctx.args.name)
    ctx.print(f"removed LLM profile {ctx.args.name!r}")
    return EXIT_OK


def cmd_mail_add(ctx: Context) -> int:
    a = ctx.args
    info = ctx.core.mail.add(
        a.name,
        a.host,
        from_address=a.from_address,
        port=a.port,
        security=a.security,
        username=a.username,
        password=a.password,
    )
    ctx.print(
        f"added mail profile {info.name!r}: {info.host}:{info.port} ({info.security}), "
        f"from {info.from_address}"
    )
    return EXIT_OK


def cmd_mail_list(ctx: Context) -> int:
    profiles = ctx.core.mail.list()
    if ctx.args.json:
        ctx.json([p.model_dump(mode="json") for p in profiles])
    elif not profiles:
        ctx.print("no mail profiles yet; add one with `amx profile mail add NAME --host HOST …`")
    else:
        rows = [
            [
                p.name,
                f"{p.host}:{p.port}",
                p.security,
                p.username or "—",
                p.password or "—",
                p.from_address,
            ]
            for p in profiles
        ]
        headers = ["NAME", "SERVER", "SECURITY", "USER", "PASSWORD", "SENDER"]
        ctx.print(render.table(headers, rows))
    return EXIT_OK


def cmd_mail_test(ctx: Context) -> int:
    said = ctx.core.mail.test(ctx.args.name)
    ctx.print(f"mail profile {ctx.args.name!r}: {said}")
    return EXIT_OK


def cmd_mail_rm(ctx: Context) -> int:
    ctx.core.mail.remove(ctx.args.name)
    ctx.print(f"removed mail profile {ctx.args.name!r}")
    return EXIT_OK


def _register_mail(prof: Subparsers) -> None:
    mail = subcommands(prof.add_parser("mail", help="SMTP servers that send reports"), "verb")
    p = mail.add_parser("add", help="add a mail profile")
    p.add_argument("name")
    p.add_argument(
        "--host", required=True, metavar="HOST", help="the SMTP server, e.g. smtp.example.com"
    )
    p.add_argument(
        "--port", type=int, metavar="PORT", help="default: 587 starttls, 465 ssl, 25 none"
    )
    p.add_argument(
        "--security",
        choices=SECURITIES,
        default="starttls",
        help="how the connection is secured (default starttls)",
    )
    p.add_argument("--username", metavar="NAME", help="the login, when the server asks for one")
    p.add_argument("--password", metavar="env:VAR", help="only as env:VAR, never the password")
    p.add_argument(
        "--from",
        dest="from_address",
        required=True,
        metavar="ADDRESS",
        help="the sender's address",
    )
    p.set_defaults(handler=cmd_mail_add)
    p = mail.add_parser("list", help="list mail profiles")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_mail_list)
    p = mail.add_parser("test", help="connect, secure and log in to the server")
    p.add_argument("name")
    p.set_defaults(handler=cmd_mail_test)
    p = mail.add_parser("rm", help="remove a mail profile")
    p.add_argument("name")
    p.set_defaults(handler=cmd_mail_rm)


def register(top: Subparsers) -> None:
    """Add `amx profile db …`, `amx profile llm …` and `amx profile mail …`."""
    prof = subcommands(top.add_parser("profile", help="manage DB, LLM and mail profiles"), "kind")
    dbp = subcommands(prof.add_parser("db", help="databases to analyse"), "verb")
    p = dbp.add_parser("add", help="add a DB profile")
    p.add_argument("name")
    p.add_argument("url", help="SQLAlchemy URL; a password only as env:VAR")
    p.add_argument(
        "--sample-size",
        type=int,
        default=5,
        metavar="N",
        help="sample values per column (0 = none; default 5)",
    )
    p.add_argument(
        "--create", action="store_true", help="create missing SQLite files as empty databases"
    )
    p.add_argument("--owner-email", metavar="ADDRESS", help="who looks after this database")
    p.add_argument(
        "--label", action="append", metavar="LABEL", help="a label templates may use; repeat"
    )
    p.set_defaults(handler=cmd_db_add)
    p = dbp.add_parser("list", help="list DB profiles")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_db_list)
    p = dbp.add_parser("test", help="connect and list what the profile reaches")
    p.add_argument("name")
    p.set_defaults(handler=cmd_db_test)
    p = dbp.add_parser("set-url", help="give a DB profile a new URL")
    p.add_argument("name")
    p.add_argument("url", help="SQLAlchemy URL; a password only as env:VAR")
    p.set_defaults(handler=cmd_db_set_url)
    p = dbp.add_parser("rm", help="remove a DB profile")
    p.add_argument("name")
    p.set_defaults(handler=cmd_db_rm)

    llm = subcommands(prof.add_parser("llm", help="language models"), "verb")
    p = llm.add_parser("add", help="add an LLM profile")
    p.add_argument("name")
    p.add_argument(
        "--provider",
        required=True,
        choices=PROVIDERS,
        help="heuristic (no model, for trying things out) or any OpenAI-compatible server",
    )
    p.add_argument("--model", metavar="NAME", help="the model's name on that server")
    p.add_argument(
        "--base-url", metavar="URL", help="the server's API root, e.g. http://localhost:11434/v1"
    )
    p.add_argument("--api-key-env", metavar="VAR", help="environment variable holding the key")
    p.add_argument(
        "--concurrency",
        type=int,
        default=2,
        metavar="N",
        help="requests at once during a run (default 2)",
    )
    p.set_defaults(handler=cmd_llm_add)
    p = llm.add_parser("list", help="list LLM profiles")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_llm_list)
    p = llm.add_parser("test", help="send a tiny request to the model")
    p.add_argument("name")
    p.set_defaults(handler=cmd_llm_test)
    p = llm.add_parser("set-url", help="give an LLM profile a new base URL")
    p.add_argument("name")
    p.add_argument("url", help="base URL without credentials; the key comes from --api-key-env")
    p.set_defaults(handler=cmd_llm_set_url)
    p = llm.add_parser("rm", help="remove an LLM profile")
    p.add_argument("name")
    p.set_defaults(handler=cmd_llm_rm)

    _register_mail(prof)
