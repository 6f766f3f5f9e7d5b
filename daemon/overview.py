"""What `amx schedule status` and the studio's status bar say about firing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.api import Core
from daemon.health import WorkerInfo, health
from daemon.hooks.base import HookStatus

NOTHING_FIRES = "schedules are queued but nothing will fire them: no daemon is running"


@dataclass(frozen=True)
class NextFire:
    """The earliest pending fire: which schedule, when (UTC) and how far off."""

    id: int
    name: str
    at: datetime
    timezone: str
    in_seconds: int

    @property
    def local(self) -> datetime:
        """The fire time in the schedule's timezone."""
        return self.at.astimezone(ZoneInfo(self.timezone))


@dataclass(frozen=True)
class Overview:
    """Hook, daemon liveness, the next fire window and counts by status."""

    hook: HookStatus | None  # None: the OS has not been asked yet
    alive: bool
    last_seen: datetime | None
    workers: tuple[WorkerInfo, ...]  # the live ones
    next: NextFire | None
    counts: Mapping[str, int]  # schedules by status, every status present
    warning: str | None

    @property
    def skewed(self) -> tuple[WorkerInfo, ...]:
        """Live workers whose clocks are off the database's."""
        return tuple(w for w in self.workers if w.skewed)

    @property
    def queued(self) -> int:
        """Schedules waiting to fire (pending or missed)."""
        return self.counts["pending"] + self.counts["missed"]

    def as_json(self) -> dict[str, Any]:
        """The JSON object `amx schedule status --json` prints."""
        hook, nxt = self.hook, self.next
        return {
            "hook": None
            if hook is None
            else {"installed": hook.installed, "active": hook.active, "detail": hook.detail},
            "alive": self.alive,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "workers": len(self.workers),
            "skewed": [
                {"worker": w.id, "host": w.host, "skew_s": w.clock_skew_s} for w in self.skewed
            ],
            "next": None
            if nxt is None
            else {
                "id": nxt.id,
                "name": nxt.name,
                "at": nxt.at.isoformat(),
                "local": nxt.local.isoformat(),
                "timezone": nxt.timezone,
                "in_seconds": nxt.in_seconds,
            },
            "counts": dict(self.counts),
            "warning": self.warning,
        }


def overview(
    core: Core, hook: HookStatus | None, counts: Mapping[str, int] | None = None
) -> Overview:
    """What is known about firing: the hook as given, heartbeats, the next due schedule."""
    now = core.clock.now()
    report = health(core)
    counts = counts if counts is not None else core.schedules.counts(kind=None)
    due = core.schedules.next_due()
    upcoming = None
    if due is not None:
        info = core.schedules.get(due[0])
        upcoming = NextFire(
            id=info.id,
            name=info.name,
            at=due[1],
            timezone=info.timezone,
            in_seconds=int((due[1] - now).total_seconds()),
        )
    queued = counts["pending"] + counts["missed"]
    will_fire = report.alive or bool(hook and hook.installed and hook.active)
    return Overview(
        hook=hook,
        alive=report.alive,
        last_seen=report.last_seen,
        workers=tuple(w for w in report.workers if w.alive),
        next=upcoming,
        counts=counts,
        warning=None if will_fire or not queued else NOTHING_FIRES,
    )


def in_words(seconds: int) -> str:
    """`in 2 h 13 m`, `in 45 s`, `3 m ago`."""
    later = seconds >= 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes} m"
    elif minutes:
        text = f"{minutes} m"
    else:
        text = f"{secs} s"
    return f"in {text}" if later else f"{text} ago"
