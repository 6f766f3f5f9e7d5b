"""What `amx schedule status` and the studio's status bar say about firing."""

from __future__ import annotations

from typing import Any

from core.api import Core
from daemon.health import health
from daemon.hooks.base import HookStatus


def overview(
    core: Core, hook: HookStatus | None, counts: dict[str, int] | None = None
) -> dict[str, Any]:
    """Hook, daemon liveness, the next fire window and counts by status, as plain data."""
    now = core.clock.now()
    report = health(core)
    counts = counts if counts is not None else core.schedules.counts(kind=None)
    due = core.schedules.next_due()
    upcoming = None
    if due is not None:
        info = core.schedules.get(due[0])
        upcoming = {
            "id": info.id,
            "name": info.name,
            "at": due[1].isoformat(),
            "local": info.next_fire_local,
            "timezone": info.timezone,
            "in_seconds": int((due[1] - now).total_seconds()),
        }
    queued = counts["pending"] + counts["missed"]
    will_fire = report["alive"] or bool(hook and hook.installed and hook.active)
    return {
        "hook": None
        if hook is None
        else {"installed": hook.installed, "active": hook.active, "detail": hook.detail},
        "alive": report["alive"],
        "last_seen": report["last_seen"],
        "workers": sum(1 for w in report["workers"] if w["alive"]),
        "skewed": [
            {"worker": w["id"], "host": w["host"], "skew_s": w["clock_skew_s"]}
            for w in report["workers"]
            if w["skewed"]
        ],
        "next": upcoming,
        "counts": counts,
        "warning": None
        if will_fire or not queued
        else "schedules are queued but nothing will fire them: no daemon is running",
    }


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
