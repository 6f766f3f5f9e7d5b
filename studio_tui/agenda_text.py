"""The agenda in words, shared by `amx schedule agenda` and the studio's Agenda screen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from core.clock import iso_utc
from core.schedules.agenda import Agenda, AgendaLine, local_clock
from core.text import counted

RANGE = "\N{EN DASH}"  # between the first and last time of a dense schedule's day
# The time of a schedule that runs after the line above it: whenever that one succeeds.
THEN = "then"


@dataclass(frozen=True)
class LineText:
    """One agenda line as words: when, which schedule, how often, where, and its marks."""

    when: str
    name: str
    what: str
    profile: str
    paused: bool
    clash: str | None
    dst: str | None

    @property
    def marks(self) -> list[str]:
        """The line's marks in reading order."""
        found = ["paused"] if self.paused else []
        if self.clash:
            found.append(self.clash)
        if self.dst:
            found.append(f"DST: {self.dst}")
        return found

    @property
    def short_marks(self) -> list[str]:
        """The marks in one word each, for narrow screens."""
        found = ["paused"] if self.paused else []
        return found + (["clash"] if self.clash else []) + (["DST"] if self.dst else [])


def day_title(day: date, today: date) -> str:
    """`Sat 21 Nov 2026 · today`."""
    title = f"{day:%a} {day.day} {day:%b %Y}"
    relative = {0: "today", 1: "tomorrow"}.get((day - today).days)
    return f"{title} · {relative}" if relative else title


def line_text(line: AgendaLine, viewer: ZoneInfo, names: Mapping[int, str]) -> LineText:
    """The words of one agenda line, times in the viewer's zone."""
    when = local_clock(line.at, viewer)
    what = line.rule
    if line.after is not None:
        # The line above is the schedule it runs after.
        when, what = THEN, "after each success" if line.count > 1 else "after it succeeds"
    elif line.count > 1 and line.last_at is not None:
        when = f"{when}{RANGE}{local_clock(line.last_at, viewer)}"
        what = f"{line.rule} · {line.count:,} fires"
    clash = None
    if line.clashes_with:
        others = [names.get(i, f"#{i}") for i in line.clashes_with]
        shown = ", ".join(others[:2]) + (f" +{len(others) - 2}" if len(others) > 2 else "")
        clash = f"clash on {line.db_profile}: {shown}"
    return LineText(when, line.name, what, line.db_profile, line.paused, clash, line.dst)


def summary(agenda: Agenda, days: int) -> str:
    """`192 fires in the next 7 days · 2 in a clash · 1 paused (Asia/Jakarta)`."""
    parts = [f"{counted(agenda.fires, 'fire')} in the next {days} days"]
    if agenda.clashes:
        parts.append(f"{agenda.clashes:,} in a clash")
    if agenda.paused_fires:
        parts.append(f"{agenda.paused_fires:,} paused")
    return " · ".join(parts) + f" ({agenda.zone})"


def agenda_data(agenda: Agenda) -> dict[str, Any]:
    """The agenda as JSON-able data (times in UTC, `Z`-suffixed)."""

    def fire(line: AgendaLine) -> dict[str, Any]:
        return {
            "at": iso_utc(line.at),
            "last_at": iso_utc(line.last_at) if line.last_at else None,
            "count": line.count,
            "schedule_id": line.schedule_id,
            "name": line.name,
            "kind": line.kind,
            "rule": line.rule,
            "timezone": line.timezone,
            "db_profile": line.db_profile,
            "paused": line.paused,
            "clashes_with": list(line.clashes_with),
            "dst": line.dst,
            "after": line.after,
        }

    return {
        "zone": agenda.zone,
        "start": iso_utc(agenda.start),
        "end": iso_utc(agenda.end),
        "fires": agenda.fires,
        "clashes": agenda.clashes,
        "paused_fires": agenda.paused_fires,
        "days": [
            {"date": d.day.isoformat(), "note": d.note, "lines": [fire(x) for x in d.lines]}
            for d in agenda.days
        ],
        "dst_notes": [
            {"schedule_id": n.schedule_id, "name": n.name, "text": n.text} for n in agenda.dst_notes
        ],
    }
