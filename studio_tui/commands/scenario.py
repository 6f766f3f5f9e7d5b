"""`amx scenario …`: schedules from scenario files, and back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import InvalidInput
from core.text import counted, some_of
from studio_tui.commands.base import EXIT_OK, EXIT_REFUSED, Context, Subparsers, subcommands

if TYPE_CHECKING:
    from core.schedules.scenario.apply import Applied
    from core.schedules.scenario.files import ScenarioDocument


def _read(path: str) -> tuple[str, str]:
    """(text, name as shown) of a scenario file; `-` reads standard input."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        return Path(path).read_text(encoding="utf-8"), path
    except FileNotFoundError:
        raise InvalidInput("file", f"{path}: no such file; check the path.") from None
    except UnicodeDecodeError:
        raise InvalidInput("file", f"{path}: the file is not UTF-8 text.") from None
    except OSError as exc:
        raise InvalidInput("file", f"{path}: cannot be read ({exc.strerror}).") from None


def _line(applied: Applied, dry_run: bool) -> str:
    verb = {"created": "create", "updated": "update", "unchanged": "unchanged"}[applied.action]
    said = f"would {verb}" if dry_run and applied.action != "unchanged" else applied.action
    where = f" (id {applied.schedule_id})" if applied.schedule_id is not None else ""
    text = f"{said} {applied.name!r}{where}"
    if applied.changed:
        text += f": {', '.join(applied.changed)}"
    return text


def cmd_apply(ctx: Context) -> int:
    from core.schedules.scenario.apply import apply_documents
    from core.schedules.scenario.files import parse_documents

    documents: list[ScenarioDocument] = []
    for path in ctx.args.file:
        text, source = _read(path)
        base = Path.cwd() if path == "-" else Path(path).expanduser().resolve().parent
        documents += parse_documents(text, source, base)
    if not documents:
        raise InvalidInput("file", "the files hold no scenario; give at least one document.")
    done = apply_documents(ctx.core.schedules, documents, dry_run=ctx.args.dry_run)
    if ctx.args.json:
        ctx.json({"dry_run": ctx.args.dry_run, "applied": [a.model_dump() for a in done]})
        return EXIT_OK
    for applied in done:
        ctx.print(_line(applied, ctx.args.dry_run))
    if ctx.args.dry_run:
        ctx.print("dry run: nothing was changed")
    return EXIT_OK


def cmd_export(ctx: Context) -> int:
    from core.schedules.scenario.apply import exported
    from core.schedules.scenario.files import dump

    found = exported(ctx.core.schedules, ctx.args.names)
    specs = found.specs
    if found.spent:
        ctx.err(
            f"left out {counted(len(found.spent), 'schedule')} that will not fire again "
            f"(cancelled, or a one-shot whose time has passed): {some_of(found.spent)}; name "
            "one to export it"
        )
    if found.instances:
        ctx.err(
            f"left out {counted(len(found.instances), 'template instance')} "
            f"({some_of(found.instances)}): `amx template export` writes the templates, and "
            "the matrix turns them on"
        )
    if not specs:
        ctx.err("no schedules to export")
        return EXIT_REFUSED
    ctx.write_output(
        dump(specs, found.paused), f"wrote {counted(len(specs), 'scenario')} to {ctx.args.output}"
    )
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx scenario` and its verbs."""
    scenario = subcommands(
        top.add_parser("scenario", help="schedules as scenario files (YAML)"), "verb"
    )
    p = scenario.add_parser(
        "apply",
        help="create or update schedules from scenario files, by name",
        description="Create the schedules the files name and update those that differ, all "
        "or none: a refusal of any document changes nothing, and applying the same files "
        "again changes nothing either. A trigger without a timezone takes "
        "UTC, or $AMX_DEFAULT_TIMEZONE when set.",
    )
    p.add_argument(
        "-f", "--file", action="append", required=True, metavar="FILE",
        help="a YAML file of one or more scenarios (- for standard input); repeat for more",
    )  # fmt: skip
    p.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_apply)

    p = scenario.add_parser("export", help="write live schedules as a scenario file")
    p.add_argument(
        "names",
        nargs="*",
        metavar="ID|NAME",
        help="these schedules (default: every one that can still fire and is no template's "
        "instance)",
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (default: standard output)"
    )
    p.set_defaults(handler=cmd_export)
