"""`amx template …`: scenario templates and the enable matrix of templates by DB profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.errors import InvalidInput
from core.text import counted
from studio_tui import render
from studio_tui.commands.base import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Subparsers,
    confirm,
    subcommands,
)
from studio_tui.commands.scenario import _read

if TYPE_CHECKING:
    from core.schedules.templates.model import TemplateDef
    from core.schedules.templates.service import Cell, TemplateApplied

_MARK = {"on": "on", "off": "off", None: "·"}


def _applied_lines(applied: TemplateApplied, dry_run: bool) -> list[str]:
    verb = {"created": "create", "updated": "update", "unchanged": "unchanged"}[applied.action]
    said = f"would {verb}" if dry_run and applied.action != "unchanged" else applied.action
    text = f"{said} template {applied.slug!r}"
    if applied.changed:
        text += f": {', '.join(applied.changed)}"
    lines = [text]
    for instance in applied.instances:
        change = ", ".join(instance.changed) if instance.changed else "unchanged"
        lines.append(f"  {instance.name!r} (id {instance.schedule_id}): {change}")
    return lines


def cmd_apply(ctx: Context) -> int:
    from core.schedules.templates.files import parse_templates

    definitions: list[TemplateDef] = []
    for path in ctx.args.file:
        text, source = _read(path)
        definitions += parse_templates(text, source)
    if not definitions:
        raise InvalidInput("file", "the files hold no template; give at least one document.")
    done = ctx.core.templates.apply(definitions, dry_run=ctx.args.dry_run)
    if ctx.args.json:
        ctx.json({"dry_run": ctx.args.dry_run, "applied": [a.model_dump() for a in done]})
        return EXIT_OK
    for applied in done:
        for line in _applied_lines(applied, ctx.args.dry_run):
            ctx.print(line)
    if ctx.args.dry_run:
        ctx.print("dry run: nothing was changed")
    return EXIT_OK


def cmd_export(ctx: Context) -> int:
    from core.schedules.templates.files import dump

    found = ctx.core.templates.all()
    if ctx.args.slugs:
        found = [ctx.core.templates.get(slug) for slug in ctx.args.slugs]
    text = dump([info.definition for info in found])
    ctx.write_output(text, f"wrote {counted(len(found), 'template')} to {ctx.args.output}")
    return EXIT_OK


def cmd_list(ctx: Context) -> int:
    found = ctx.core.templates.all()
    if ctx.args.json:
        ctx.json([info.model_dump(mode="json") for info in found])
        return EXIT_OK
    rows = [
        [
            info.slug,
            info.definition.name,
            ", ".join(p.name for p in info.definition.parameters) or "—",
            "yes" if info.definition.default_enabled else "no",
            "built-in" if info.builtin else "yours",
            str(info.instances),
        ]
        for info in found
    ]
    ctx.print(render.table(["SLUG", "NAME", "PARAMETERS", "DEFAULT ON", "FROM", "INSTANCES"], rows))
    return EXIT_OK


def cmd_show(ctx: Context) -> int:
    from core.schedules.templates.files import dump

    info = ctx.core.templates.get(ctx.args.slug)
    instances = ctx.core.templates.instances(ctx.args.slug)
    if ctx.args.json:
        ctx.json(
            {
                "template": info.model_dump(mode="json"),
                "instances": [i.model_dump(mode="json") for i in instances],
            }
        )
        return EXIT_OK
    ctx.out.write(dump([info.definition]))
    ctx.print(f"# version {info.version}, {'built-in' if info.builtin else 'yours'}")
    for instance in instances:
        params = ", ".join(f"{k}={v}" for k, v in (instance.template_params or {}).items())
        ctx.print(
            f"# instance {instance.id} {instance.name!r}: {instance.status.value}"
            + (f" ({params})" if params else "")
        )
    return EXIT_OK


def cmd_matrix(ctx: Context) -> int:
    matrix = ctx.core.templates.matrix()
    if ctx.args.json:
        ctx.json(matrix.model_dump(mode="json"))
        return EXIT_OK
    if not matrix.profiles:
        ctx.print("no DB profiles yet; add one with `amx profile db add NAME URL`")
        return EXIT_OK
    rows = [
        [slug, *(_MARK[matrix.cell(slug, p).state] for p in matrix.profiles)]
        for slug in matrix.templates
    ]
    ctx.print(render.table(["TEMPLATE", *matrix.profiles], rows))
    return EXIT_OK


def _params(pairs: list[str] | None) -> dict[str, str]:
    given: dict[str, str] = {}
    for pair in pairs or []:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise InvalidInput(
                "param", f"--param {pair!r} is not NAME=VALUE; write it like --param hour=3."
            )
        given[name.strip()] = value
    return given


def _said(ctx: Context, cell: Cell, verb: str) -> int:
    if ctx.args.json:
        ctx.json(cell.model_dump(mode="json"))
    elif cell.schedule_id is None:
        ctx.print(f"template {cell.slug!r} is not enabled for {cell.profile!r}")
    else:
        ctx.print(
            f"{verb} template {cell.slug!r} for {cell.profile!r} "
            f"(schedule {cell.schedule_id}, {cell.status.value if cell.status else '—'})"
        )
    return EXIT_OK


def cmd_enable(ctx: Context) -> int:
    a = ctx.args
    return _said(ctx, ctx.core.templates.enable(a.slug, a.profile, _params(a.param)), "enabled")


def cmd_disable(ctx: Context) -> int:
    return _said(ctx, ctx.core.templates.disable(ctx.args.slug, ctx.args.profile), "disabled")


def cmd_rm(ctx: Context) -> int:
    info = ctx.core.templates.get(ctx.args.slug)
    if not ctx.args.yes and not confirm(
        f"remove template {info.slug!r} and its {counted(info.instances, 'instance')}? [y/N] "
    ):
        ctx.print("not removed")
        return EXIT_REFUSED
    removed = ctx.core.templates.remove(ctx.args.slug)
    ctx.print(
        f"removed template {info.slug!r}"
        + (f" and its instances {', '.join(repr(n) for n in removed)}" if removed else "")
        + "; their run history is kept"
    )
    return EXIT_OK


def register(top: Subparsers) -> None:
    """Add `amx template` and its verbs."""
    template = subcommands(
        top.add_parser("template", help="scenario templates and the enable matrix"), "verb"
    )
    p = template.add_parser(
        "apply",
        help="create or update templates from YAML files, by slug",
        description="Create the templates the files name and update those that differ; an "
        "update re-renders every instance with its own parameter values.",
    )
    p.add_argument(
        "-f", "--file", action="append", required=True, metavar="FILE",
        help="a YAML file of one or more templates (- for standard input); repeat for more",
    )  # fmt: skip
    p.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_apply)

    p = template.add_parser("export", help="write templates as a YAML file")
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="these templates (default: all)")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (default: standard output)"
    )
    p.set_defaults(handler=cmd_export)

    p = template.add_parser("list", help="list templates")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_list)

    p = template.add_parser("show", help="a template and its instances")
    p.add_argument("slug")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_show)

    p = template.add_parser("matrix", help="templates by DB profiles: which are on")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_matrix)

    p = template.add_parser("enable", help="turn a template on for a DB profile")
    p.add_argument("slug")
    p.add_argument("profile")
    p.add_argument(
        "--param", action="append", metavar="NAME=VALUE", help="a parameter's value; repeat"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_enable)

    p = template.add_parser("disable", help="turn a template off for a DB profile (pauses it)")
    p.add_argument("slug")
    p.add_argument("profile")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_disable)

    p = template.add_parser("rm", help="remove a template; its instances' history is kept")
    p.add_argument("slug")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    p.set_defaults(handler=cmd_rm)
