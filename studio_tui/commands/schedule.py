"""`amx schedule …`: the schedule verbs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.errors import InvalidInput, NotFound
from studio_tui import render
from studio_tui.commands import agenda, hooks, schedule_logs
from studio_tui.commands.base import (
    EXIT_OK,
    EXIT_REFUSED,
    Context,
    Handler,
    Subparsers,
    UsageError,
    confirm,
    subcommands,
    whole_number,
)
from studio_tui.commands.schedule_ref import add_ref, target
from studio_tui.commands.width import output_width

if TYPE_CHECKING:  # the handlers load the core when they run; the parser never needs it
    from core.schedules.triggers import Trigger
    from core.schedules.views import ScheduleInfo


def _trigger_from(args: argparse.Namespace, now: datetime, zone_name: str | None) -> Trigger | None:
    from core.schedules.triggers import default_zone_name, parse_trigger

    # --fire-at takes the studio's shortcuts too: +1h, tomorrow 09:00, today 18:30.
    given: list[tuple[str, str | None]] = [
        ("once", args.fire_at),
        ("cron", args.cron),
        ("interval", args.every),
        ("after", getattr(args, "after", None)),
    ]
    for kind, text in given:
        if text is not None:
            return parse_trigger(kind, text, zone_name or default_zone_name(), now)
    return None


def _spec_fields(args: argparse.Namespace, now: datetime, zone_name: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for attr, field in (
        ("name", "name"),
        ("timezone", "timezone"),
        ("db_profile", "db_profile"),
        ("database", "database"),
        ("scope", "scope"),
        ("llm_profile", "llm_profile"),
        ("review", "review_strategy"),
        ("grace", "misfire_grace_s"),
        ("retries", "max_retries"),
    ):
        value = getattr(args, attr, None)
        if value is not None:
            fields[field] = value
    if getattr(args, "missed", None) is not None:
        fields["missed_policy"] = args.missed.replace("-", "_")
    trigger = _trigger_from(args, now, zone_name)
    if trigger is not None:
        fields["trigger"] = trigger
    return fields


def _said(ctx: Context, info: ScheduleInfo, verb: str) -> int:
    if ctx.args.json:
        ctx.json(info.model_dump(mode="json"))
    elif verb == "deleted":
        ctx.print(f"deleted schedule {info.id} {info.name!r}; its run history is kept")
    else:
        when = render.local_time(info.next_fire_at, info.timezone)
        if info.trigger.kind == "after":
            when = info.rule
        ctx.print(
            f"{verb} schedule {info.id} {info.name!r}: {info.status.capitalize()}, next {when}"
        )
    return EXIT_OK


def cmd_add(ctx: Context) -> int:
    from core.schedules.spec import build_spec
    from core.schedules.zone_default import configured_zone_name

    zone_name = ctx.args.timezone or configured_zone_name()
    fields = _spec_fields(ctx.args, ctx.clock.now(), zone_name)
    fields.setdefault("timezone", zone_name)
    if "trigger" not in fields:
        raise UsageError("give one of --fire-at, --cron, --every or --after")
    return _said(ctx, ctx.core.schedules.create(build_spec(**fields)), "added")


def cmd_edit(ctx: Context) -> int:
    current = ctx.core.schedules.get(target(ctx))
    changes = _spec_fields(ctx.args, ctx.clock.now(), ctx.args.timezone or current.timezone)
    if not changes:
        raise UsageError("say what to change, e.g. --name, --cron or --scope")
    expected = ctx.args.if_version if ctx.args.if_version is not None else current.version
    info = ctx.core.schedules.edit(current.id, changes, expected_version=expected)
    return _said(ctx, info, "edited")


def cmd_list(ctx: Context) -> int:
    statuses = frozenset(s for s in (ctx.args.status or "").split(",") if s.strip())
    kind = ctx.args.kind
    if not ctx.has_core and not ctx.args.json and not ctx.args.filter and kind == "analyze":
        # A plain SQLite file is listed without loading the database layer when that gives the
        # service's answer (the JSON form and the text filter always ask the service).
        from core.schedules.quick_list import quick_list

        quick = quick_list(
            ctx.args.database_url,
            ctx.clock.now(),
            statuses=statuses,
            sort=ctx.args.sort,
            descending=ctx.args.desc,
            offset=ctx.args.offset,
            limit=ctx.args.limit,
        )
        if quick is not None and quick.items:
            return _print_list(ctx, quick.items, quick.total, quick.offset, bool(statuses))
    from core.schedules.service import ListQuery

    query = ListQuery(
        kind=None if kind == "all" else kind,
        statuses=statuses,
        text=ctx.args.filter or "",
        sort=ctx.args.sort,
        descending=ctx.args.desc,
        offset=ctx.args.offset,
        limit=ctx.args.limit,
    )
    page = ctx.core.schedules.list(query)
    if ctx.args.json:
        ctx.json(
            {
                "total": page.total,
                "offset": page.offset,
                "limit": page.limit,
                "items": [s.model_dump(mode="json") for s in page.items],
            }
        )
        return EXIT_OK
    if not page.items and kind == "analyze" and query.offset == 0:
        # The Schedules page's list leaves catalog refreshes to the Catalog cache page: say so
        # when they are all there is.
        from dataclasses import replace

        from core.text import counted

        others = ctx.core.schedules.list(replace(query, kind="cache_refresh", limit=1)).total
        if others:
            ctx.print(
                f"no analysis schedules{' match' if statuses or query.text else ''}; "
                f"{counted(others, 'catalog refresh schedule')} "
                f"{'does' if others == 1 else 'do'}: add --kind cache_refresh (or all) to list "
                f"{'it' if others == 1 else 'them'}"
            )
            return EXIT_OK
    return _print_list(ctx, page.items, page.total, page.offset, bool(statuses or query.text))


def _print_list(
    ctx: Context, items: Sequence[render.ListedRow], total: int, offset: int, filtered: bool
) -> int:
    if not items:
        ctx.print(
            "no schedules" + (" match" if filtered else " yet; add one with `amx schedule add`")
        )
        return EXIT_OK
    ctx.print(render.schedule_rows(items, output_width(ctx.out, ctx.width)))
    if total > len(items):
        shown = f"{offset + 1}-{offset + len(items)}"
        ctx.print(f"\n{shown} of {total}; page on with --offset {offset + ctx.args.limit}")
    return EXIT_OK


# How many of the latest runs `amx schedule show` lists with their step runs.
STEP_RUNS_SHOWN = 5


def _deleted_target(ctx: Context, missing: NotFound) -> NotFound:
    """The refusal for a schedule that is not live: one that was deleted says so and where its
    history is; anything else stays not found."""
    try:
        ref = ctx.core.runs.schedule_of(str(ctx.args.id))
    except NotFound:
        return missing
    if ref.deleted_at is None:
        return missing
    when = render.local_time(ref.deleted_at, ref.timezone)
    return NotFound(
        f"schedule {ref.id} {ref.name!r} was deleted on {when}; its runs are kept: "
        f"`amx runs list --schedule {ref.id}` lists them.",
        field="deleted",
    )


def cmd_show(ctx: Context) -> int:
    try:
        schedule_id = target(ctx)
    except NotFound as exc:
        raise _deleted_target(ctx, exc) from None
    found = ctx.core.schedules.show(schedule_id)
    latest = [run.id for run in found.runs[:STEP_RUNS_SHOWN]]
    step_runs = ctx.core.runs.steps.of_runs(latest)
    if ctx.args.json:
        data = found.model_dump(mode="json")
        data["step_runs"] = {
            str(run_id): [s.model_dump(mode="json") for s in steps]
            for run_id, steps in step_runs.items()
        }
        ctx.json(data)
    else:
        ordered = {
            run_id: sorted(steps, key=lambda s: (s.section != "steps", s.section, s.position))
            for run_id, steps in step_runs.items()
        }
        ctx.print(render.detail(found, output_width(ctx.out, ctx.width), ordered))
    return EXIT_OK


def _simple(method: str, verb: str) -> Handler:
    def handler(ctx: Context) -> int:
        schedule_id = target(ctx)
        if method == "delete":
            return _delete(ctx, schedule_id)
        return _said(ctx, getattr(ctx.core.schedules, method)(schedule_id), verb)

    return handler


def _delete(ctx: Context, schedule_id: int) -> int:
    """Delete after asking (unless --yes), naming the schedules that run after it, which stop."""
    followers = [s.name for s in ctx.core.schedules.downstream(schedule_id)]
    stopped = render.stopped_followers(followers) if followers else ""
    if not ctx.args.yes:
        info = ctx.core.schedules.get(schedule_id)
        warned = f" ({stopped})" if stopped else ""
        if not confirm(f"delete schedule {info.id} {info.name!r}{warned}? [y/N] "):
            ctx.print("not deleted")
            return EXIT_REFUSED
    said = _said(ctx, ctx.core.schedules.delete(schedule_id), "deleted")
    if stopped and not ctx.args.json:
        ctx.print(f"{stopped}.")
    return said


def cmd_run_now(ctx: Context) -> int:
    schedule_id = target(ctx)
    if ctx.args.here:
        from studio_tui.commands.here import run_here

        return run_here(ctx, schedule_id)
    result = ctx.core.schedules.run_now(schedule_id)
    s = result.schedule
    if ctx.args.json:
        ctx.json(
            {
                "schedule": s.model_dump(mode="json"),
                "run": result.run.model_dump(mode="json") if result.run else None,
            }
        )
    elif result.run is not None:
        ctx.print(
            f"queued run {result.run.id} of schedule {s.id} {s.name!r}; the daemon starts it at "
            "its next tick"
        )
    else:
        ctx.print(f"schedule {s.id} {s.name!r} fires its missed occurrence now")
    return EXIT_OK


def cmd_next(ctx: Context) -> int:
    from core.schedules.triggers import next_fire_times, parse_start, zone
    from core.schedules.zone_default import configured_zone_name

    args = ctx.args
    # The zone `schedule add` would give the same rule, so that the preview is what it fires.
    tz_name = args.timezone or configured_zone_name()
    trigger = _trigger_from(args, ctx.clock.now(), tz_name)
    if trigger is None:
        raise UsageError("give one of --fire-at, --cron or --every")
    tz = zone(tz_name)
    start = parse_start(args.start, tz_name) if args.start else ctx.clock.now()
    if args.count < 1 or args.count > 1000:
        raise InvalidInput("n", "-n must be between 1 and 1000.")
    times = next_fire_times(trigger, tz_name, start, args.count)
    shown = [t.astimezone(tz) for t in times]
    if args.json:
        ctx.json([t.isoformat() for t in shown])
    elif not shown:
        ctx.print("no fire times after the start")
    else:
        for t in shown:
            ctx.print(f"{t:%a %Y-%m-%d %H:%M} {tz_name} ({t:%z})")
    return EXIT_OK


def _add_trigger_options(
    p: argparse.ArgumentParser, *, required: bool, upstream: bool = False
) -> None:
    group = p.add_mutually_exclusive_group(required=required)
    group.add_argument(
        "--fire-at",
        metavar="'YYYY-MM-DD HH:MM'",
        help="fire once at this local time (or +30m, +1h, 'tomorrow 09:00', 'today 18:30')",
    )
    group.add_argument("--cron", metavar="EXPR", help="fire on a cron rule, e.g. '0 9 * * 1-5'")
    group.add_argument("--every", metavar="INTERVAL", help="fire every 15m, 2h, 1d …")
    if upstream:
        group.add_argument(
            "--after", metavar="NAME", help="fire after each successful run of schedule NAME"
        )


def _add_spec_options(p: argparse.ArgumentParser, *, creating: bool) -> None:
    def default(value: str) -> str:
        return f" (default {value})" if creating else ""  # an edit keeps what is not given

    p.add_argument("--name", required=creating, metavar="NAME", help="a unique name")
    _add_trigger_options(p, required=False, upstream=True)
    p.add_argument(
        "--timezone",
        metavar="TZ",
        help=f"IANA zone of the fire times{default('UTC, or $AMX_DEFAULT_TIMEZONE when set')}",
    )
    p.add_argument("--db-profile", metavar="P", required=creating, help="the DB profile to analyse")
    p.add_argument("--database", metavar="D", help="database or catalog within the profile")
    p.add_argument(
        "--scope",
        metavar="PATH",
        action="append",
        required=creating,
        help="[database.]schema[.table[.column]]; repeat for more",
    )
    p.add_argument("--llm-profile", metavar="L", help=f"LLM profile{default('heuristic')}")
    p.add_argument(
        "--review",
        choices=["auto", "manual"],
        help=f"apply at once, or queue for review{default('manual')}",
    )
    p.add_argument(
        "--missed",
        choices=["ask", "skip", "run-once"],
        help=f"what to do with a fire time that passed unfired: ask, skip it or run once"
        f"{default('ask')}",
    )
    p.add_argument(
        "--grace",
        type=whole_number,
        metavar="SECONDS",
        help=f"how late a fire may start before it counts as missed{default('60')}",
    )
    p.add_argument(
        "--retries", type=whole_number, metavar="N", help=f"retries after a failure{default('3')}"
    )
    p.add_argument("--json", action="store_true", help="print the schedule as JSON")


def register(top: Subparsers) -> None:
    """Add `amx schedule` and its verbs."""
    sched = subcommands(top.add_parser("schedule", help="manage schedules"), "verb")
    p = sched.add_parser(
        "add",
        help="queue a new analysis schedule",
        description="Queue a schedule that analyses a scope. For a scenario of several steps "
        "(cache refresh, exports, commands, notifications), write a scenario file and use "
        "`amx scenario apply -f FILE`.",
    )
    _add_spec_options(p, creating=True)
    p.set_defaults(handler=cmd_add)

    p = sched.add_parser(
        "edit",
        help="change a schedule",
        description="Change a schedule: each option given replaces that setting, and the "
        "others keep their values.",
    )
    add_ref(p)
    p.add_argument(
        "--if-version",
        type=whole_number,
        metavar="N",
        help="refuse the edit unless the schedule is still at version N (see `show`)",
    )
    _add_spec_options(p, creating=False)
    p.set_defaults(handler=cmd_edit)

    p = sched.add_parser("list", help="list schedules")
    p.add_argument(
        "--kind",
        choices=["analyze", "cache_refresh", "all"],
        default="analyze",
        help="analysis schedules (the default, the studio's Schedules page), catalog refreshes "
        "(its Catalog cache page) or all",
    )
    p.add_argument("--status", metavar="S[,S…]", help="only these statuses, e.g. pending,failed")
    p.add_argument(
        "--filter", metavar="TEXT", help="only names, scopes or profiles containing TEXT"
    )
    p.add_argument(
        "--sort",
        choices=["next_fire_at", "name", "status", "id", "created_at", "updated_at"],
        default="next_fire_at",
        help="the order of the rows (default next_fire_at)",
    )
    p.add_argument("--desc", action="store_true", help="sort descending")
    p.add_argument(
        "--offset", type=whole_number, default=0, metavar="N", help="skip the first N (default 0)"
    )
    p.add_argument(
        "--limit", type=whole_number, default=200, metavar="N", help="show at most N (default 200)"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_list)

    p = sched.add_parser("show", help="a schedule's configuration and its last 100 runs")
    add_ref(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_show)

    for verb, method, past, text in (
        ("pause", "pause", "paused", "stop a schedule from firing until resumed"),
        ("resume", "resume", "resumed", "let a paused schedule fire again"),
        ("skip", "skip", "skipped", "skip a missed occurrence"),
        ("cancel", "cancel", "cancelled", "stop a schedule for good (its history stays)"),
        ("rm", "delete", "deleted", "delete a schedule (its run history is kept)"),
    ):
        p = sched.add_parser(verb, help=text)
        add_ref(p)
        p.add_argument("--json", action="store_true", help="print JSON")
        if verb == "rm":
            p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
        p.set_defaults(handler=_simple(method, past))

    p = sched.add_parser("run-now", help="queue an immediate run")
    add_ref(p)
    p.add_argument(
        "--here", action="store_true", help="run it in this process now, with a progress bar"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_run_now)

    p = sched.add_parser("next", help="preview the next fire times of a rule")
    _add_trigger_options(p, required=True)
    p.add_argument(
        "--timezone",
        metavar="TZ",
        help="an IANA zone such as Europe/Oslo (default: UTC, or $AMX_DEFAULT_TIMEZONE when "
        "set, as `amx schedule add` gives it)",
    )
    p.add_argument(
        "--from", dest="start", metavar="ISO", help="start from this time (default: now)"
    )
    p.add_argument(
        "-n",
        "--limit",
        dest="count",
        type=whole_number,
        default=5,
        metavar="N",
        help="how many (default 5)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_next)

    schedule_logs.register(sched)
    hooks.register(sched)
    agenda.register(sched)
