"""A trigger's rule in a few words, as tables show it: 'once', 'cron 0 9 * * 1-5', 'every 15m',
'after «nightly» succeeds'.

Plain text in, plain text out, free of croniter and the trigger models, so that a list read
straight from the stored rows words its rules exactly as the trigger objects do."""

from __future__ import annotations

INTERVAL_UNITS: tuple[tuple[str, int], ...] = (
    ("w", 604800),
    ("d", 86400),
    ("h", 3600),
    ("m", 60),
    ("s", 1),
)


def format_interval(seconds: int) -> str:
    """The shortest unit form of `seconds`: 90 -> '1m30s', 5400 -> '1h30m', 86400 -> '1d'."""
    if seconds < 0:
        raise ValueError("an interval cannot be negative")
    if seconds == 0:
        return "0s"
    parts: list[str] = []
    rest = seconds
    for unit, size in INTERVAL_UNITS:
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def cron_spelling(expr: str) -> str:
    """A cron expression as it is kept: single spaces, an @alias in lower case (whether it is a
    valid rule is checked where cron triggers are made)."""
    cleaned = " ".join(expr.split())
    return cleaned.lower() if cleaned.startswith("@") else cleaned


def upstream_spelling(name: str) -> str:
    """An after trigger's upstream name as it is kept: runs of white space made single spaces."""
    return " ".join(name.split())


def after_rule(upstream: str, upstream_id: int | None) -> str:
    """'after «nightly» succeeds' (the upstream's id when its name is not known)."""
    name = upstream or f"schedule {upstream_id}"
    return f"after «{name}» succeeds"


# The note of a schedule whose upstream was deleted follows the upstream's name with this.
_ORPHANED = "was deleted; it will not fire until you choose another upstream"


def orphaned_note(upstream: str) -> str:
    """The note a schedule gets when the schedule it runs after is deleted."""
    return f"the schedule it runs after («{upstream}») {_ORPHANED}"


def is_orphaned(note: str | None) -> bool:
    """Whether `note` says the schedule's upstream was deleted (`orphaned_note`)."""
    if note is None:
        return False
    return note.startswith("the schedule it runs after («") and note.endswith(_ORPHANED)


def cron_rule(expr: str) -> str:
    """'cron 0 9 * * 1-5'."""
    return f"cron {expr}"


def interval_rule(every_seconds: int) -> str:
    """'every 15m'."""
    return f"every {format_interval(every_seconds)}"


ONCE_RULE = "once"
