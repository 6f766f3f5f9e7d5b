"""Plain-text rendering of core views for the command line. Every cell and value passes through
`printable`, so stored text cannot steer the terminal it is printed on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.cells import cell_len, set_cell_size

from core.schedules.triggers import OnceTrigger
from core.schedules.views import RunInfo, ScheduleDetail, ScheduleInfo
from core.text import printable

GAP = 2  # spaces between table columns
# What `amx schedule list` gives up first in a narrow terminal; the name keeps the most.
SCHEDULE_SHRINK = (("LLM", 5), ("RULE", 8), ("SCOPE", 10), ("NAME", 12))


def local_time(at: datetime | None, zone: str, *, with_zone: bool = True) -> str:
    """`2026-11-23 09:00 Asia/Jakarta`, or `—` when there is no time."""
    if at is None:
        return "—"
    text = at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    return f"{text} {zone}" if with_zone else text


def clip(text: str, width: int) -> str:
    """`text`, its controls escaped, cut to `width` terminal cells with an ellipsis."""
    text = printable(text)
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)) + "…" if width > 0 else ""


def fire_line(s: ScheduleInfo) -> tuple[str, str]:
    """("next fire", when), or for a one-shot that has fired ("was set for", its time)."""
    if s.next_fire_at is None and isinstance(s.trigger, OnceTrigger):
        return "was set for", f"{s.trigger.fire_at:%Y-%m-%d %H:%M} {s.timezone}"
    return "next fire", local_time(s.next_fire_at, s.timezone)


def fit_widths(
    natural: Sequence[int],
    floors: Sequence[int],
    width: int,
    first: Sequence[tuple[int, int]] = (),
) -> list[int]:
    """Column widths that fit `width` cells with GAP between columns. The (column, floor) pairs
    in `first` give way first, one after the other down to their floor; then every column,
    the widest first, down to `floors` (the table stays wider when the floors are)."""
    widths = list(natural)
    excess = sum(widths) + GAP * (len(widths) - 1) - width
    for column, floor in first:
        cut = max(0, min(excess, widths[column] - max(floor, floors[column])))
        widths[column] -= cut
        excess -= cut
    while excess > 0:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda i: (widths[i], i))
        widths[widest] -= 1
        excess -= 1
    return widths


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - cell_len(text), 0)


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int | None = None,
    shrink_first: Sequence[tuple[str, int]] = (),
) -> str:
    """An aligned plain-text table, one line a row; controls in cells are escaped. Given a
    `width`, long cells are shortened with … so that each row fits it: first the columns
    named in `shrink_first` (header, narrowest width), in that order, then any."""
    cells = [[printable(cell) for cell in row] for row in rows]
    natural = [cell_len(h) for h in headers]
    for row in cells:
        natural = [max(w, cell_len(c)) for w, c in zip(natural, row, strict=True)]
    widths = natural
    if width is not None:
        widths = fit_widths(
            natural,
            [min(n, max(cell_len(h), 4)) for n, h in zip(natural, headers, strict=True)],
            width,
            [(list(headers).index(h), floor) for h, floor in shrink_first if h in headers],
        )
    gap = " " * GAP
    lines = [
        gap.join(_pad(clip(c, w), w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [list(headers), *cells]
    ]
    return "\n".join(lines)


def schedule_rows(items: Sequence[ScheduleInfo], width: int | None = None) -> str:
    """The `amx schedule list` table."""
    headers = ["ID", "NAME", "STATUS", "NEXT FIRE", "RULE", "SCOPE", "LLM", "REVIEW"]
    rows = [
        [
            str(s.id),
            clip(s.name, 32),
            s.status.capitalize(),
            local_time(s.next_fire_at, s.timezone),
            s.rule,
            clip(s.scope_summary, 40),
            s.llm_shown,
            s.review_shown,
        ]
        for s in items
    ]
    return table(headers, rows, width, shrink_first=SCHEDULE_SHRINK)


def run_rows(runs: Sequence[RunInfo], zone: str, width: int | None = None) -> str:
    """A table of runs, newest first."""
    headers = ["RUN", "SCHEDULED FOR", "TRIGGER", "TRY", "STATUS", "DURATION", "NOTE"]
    rows = [
        [
            str(r.id),
            local_time(r.scheduled_for, zone, with_zone=False),
            r.trigger,
            str(r.attempt),
            r.status,
            "—" if r.duration_s is None else f"{r.duration_s:.1f}s",
            clip(r.error or r.note or "", 60),
        ]
        for r in runs
    ]
    return table(headers, rows, width, shrink_first=(("NOTE", 12),))


def detail(d: ScheduleDetail, width: int | None = None) -> str:
    """`amx schedule show`: the configuration, then the latest runs."""
    s = d.schedule
    pairs = [
        ("id", str(s.id)),
        ("name", s.name),
        ("status", s.status.capitalize()),
        ("trigger", s.rule),
        fire_line(s),
        ("timezone", s.timezone),
        ("db profile", s.db_profile),
        ("database", s.database or "(the profile's default)"),
        ("scope", s.scope_summary),
        ("llm profile", s.llm_shown),
        ("review", s.review_shown),
        ("missed policy", s.missed_policy.replace("_", "-")),
        ("misfire grace", f"{s.misfire_grace_s}s"),
        ("retries", f"{s.retry_count} of {s.max_retries}"),
        ("version", str(s.version)),
        ("created", local_time(s.created_at, s.timezone)),
        ("updated", local_time(s.updated_at, s.timezone)),
    ]
    if s.note:
        pairs.append(("note", s.note))
    keys = max(len(k) for k, _ in pairs)
    lines = [f"{k.ljust(keys)}  {printable(v)}" for k, v in pairs]
    shown = len(d.runs)
    lines.append("")
    if shown:
        lines.append(f"runs (latest {shown} of {d.runs_total}):")
        lines.append(run_rows(d.runs, s.timezone, width))
    else:
        lines.append("no runs yet")
    return "\n".join(lines)
