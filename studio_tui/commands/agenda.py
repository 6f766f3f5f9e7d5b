"""`amx schedule agenda`: every fire of the coming days, grouped by day in this machine's zone."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from core.choices import DEFAULT_DAYS, MAX_DAYS
from studio_tui import render
from studio_tui.commands.base import EXIT_OK, Context, Subparsers, whole_number
from studio_tui.commands.width import output_width

if TYPE_CHECKING:
    from core.schedules.agenda import Agenda

# Narrower terminals than this still get every line, cut at this width.
MIN_WIDTH = 60


def _width(ctx: Context) -> int:
    found = output_width(ctx.out, ctx.width) or shutil.get_terminal_size((100, 24)).columns
    return max(found, MIN_WIDTH)


def render_agenda(agenda: Agenda, days: int, width: int) -> str:
    """The agenda as lines no wider than `width`: a day title, then one line per fire (or per
    dense schedule), its marks after it or, when they do not fit, on the next line."""
    from studio_tui.agenda_text import day_title, line_text, summary

    viewer = ZoneInfo(agenda.zone)
    today = agenda.start.astimezone(viewer).date()
    texts = {d.day: [line_text(x, viewer, agenda.names) for x in d.lines] for d in agenda.days}
    every = [t for found in texts.values() for t in found]
    profiles = len({t.profile for t in every}) > 1
    when_w = max((len(t.when) for t in every), default=5)
    what_w = min(max((len(t.what) for t in every), default=4), 28)
    where_w = min(max((len(t.profile) for t in every), default=0), 16) if profiles else 0
    room = width - when_w - what_w - (where_w + 2 if profiles else 0) - 6
    name_w = max(12, min(max((len(t.name) for t in every), default=0), room))
    out = [render.clip(summary(agenda, days), width)]
    for day in agenda.days:
        title = day_title(day.day, today)
        out.append("")
        out.append(render.clip(f"{title} · {day.note}" if day.note else title, width))
        if not texts[day.day]:
            out.append("  nothing fires")
            continue
        for t in texts[day.day]:
            cells = [t.when.ljust(when_w), render.clip(t.name, name_w).ljust(name_w)]
            cells.append(render.clip(t.what, what_w).ljust(what_w))
            if profiles:
                cells.append(render.clip(t.profile, where_w).ljust(where_w))
            head = "  " + "  ".join(cells)
            marks = " · ".join(t.marks)
            sign = "!" if t.clash else "·"
            if marks and len(head) + 4 + len(marks) <= width:
                out.append(f"{head}  {sign} {marks}")
                continue
            out.append(render.clip(head.rstrip(), width))
            if marks:
                out.append(render.clip(f"  {' ' * when_w}  {sign} {marks}", width))
    if agenda.dst_notes:
        out += ["", "Clock changes:"]
        out += [render.clip(f"  {n.name}: {n.text}", width) for n in agenda.dst_notes]
    return "\n".join(out)


def cmd_agenda(ctx: Context) -> int:
    from core.schedules.agenda import check_days
    from core.schedules.triggers import default_zone_name
    from studio_tui.agenda_text import agenda_data

    days = check_days(ctx.args.days)
    agenda = ctx.core.agenda.upcoming(ctx.args.timezone or default_zone_name(), days)
    if ctx.args.json:
        ctx.json(agenda_data(agenda))
    elif agenda.empty:
        ctx.print(
            f"nothing fires in the next {days} days ({agenda.zone}); add a schedule with "
            "`amx schedule add` or resume a paused one"
        )
    else:
        ctx.print(render_agenda(agenda, days, _width(ctx)))
    return EXIT_OK


def register(sched: Subparsers) -> None:
    """Add `amx schedule agenda`."""
    p = sched.add_parser(
        "agenda", help="every fire of the coming days, by day, with clashes and DST changes"
    )
    p.add_argument(
        "--days",
        type=whole_number,
        default=DEFAULT_DAYS,
        metavar="N",
        help=f"how many days, today included (1 to {MAX_DAYS}, default {DEFAULT_DAYS})",
    )
    p.add_argument(
        "--timezone", metavar="TZ", help="the zone to read the days in (default: this machine's)"
    )
    p.add_argument("--json", action="store_true", help="print the agenda as JSON")
    p.set_defaults(handler=cmd_agenda)
