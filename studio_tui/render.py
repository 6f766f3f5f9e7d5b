"""Plain-text rendering of core views for the command line. Every cell and value passes through
`printable`, so stored text cannot steer the terminal it is printed on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from core.schedules.views import RunInfo, ScheduleDetail, ScheduleInfo
from core.text import printable


def local_time(at: datetime | None, zone: str, *, with_zone: bool = True) -> str:
    """`2026-11-23 09:00 Asia/Jakarta`, or `—` when there is no time."""
    if at is None:
        return "—"
    text = at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    return f"{text} {zone}" if with_zone else text


def clip(text: str, width: int) -> str:
    """`text`, its controls escaped, cut to `width` characters with an ellipsis."""
    text = printable(text)
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An aligned plain-text table; controls in cells are escaped."""
    rows = [[printable(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


def schedule_rows(items: Sequence[ScheduleInfo]) -> str:
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
            s.llm_profile,
            s.review_strategy.capitalize(),
        ]
        for s in items
    ]
    return table(headers, rows)


def run_rows(runs: Sequence[RunInfo], zone: str) -> str:
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
    return table(headers, rows)


def detail(d: ScheduleDetail) -> str:
    """`amx schedule show`: the configuration, then the latest runs."""
    s = d.schedule
    pairs = [
        ("id", str(s.id)),
        ("name", s.name),
        ("status", s.status.capitalize()),
        ("trigger", s.rule),
        ("next fire", local_time(s.next_fire_at, s.timezone)),
        ("timezone", s.timezone),
        ("db profile", s.db_profile),
        ("database", s.database or "(the profile's default)"),
        ("scope", s.scope_summary),
        ("llm profile", s.llm_profile),
        ("review", s.review_strategy.capitalize()),
        ("missed policy", s.missed_policy.replace("_", "-")),
        ("misfire grace", f"{s.misfire_grace_s}s"),
        ("retries", f"{s.retry_count} of {s.max_retries}"),
        ("version", str(s.version)),
        ("created", local_time(s.created_at, s.timezone)),
        ("updated", local_time(s.updated_at, s.timezone)),
    ]
    if s.note:
        pairs.append(("note", s.note))
    width = max(len(k) for k, _ in pairs)
    lines = [f"{k.ljust(width)}  {printable(v)}" for k, v in pairs]
    shown = len(d.runs)
    lines.append("")
    if shown:
        lines.append(f"runs (latest {shown} of {d.runs_total}):")
        lines.append(run_rows(d.runs, s.timezone))
    else:
        lines.append("no runs yet")
    return "\n".join(lines)
