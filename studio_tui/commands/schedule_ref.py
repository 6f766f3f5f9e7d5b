"""Schedules named on the command line by id or by name (the rule is core.schedules.lookup's)."""

from __future__ import annotations

import argparse

from studio_tui.commands.base import Context, positive_id

METAVAR = "ID|NAME"
HELP = "the schedule's id or name (name:NAME for a name of digits only)"


def schedule_ref(text: str) -> str:
    """An argparse type: an id (digits, checked as ids are: a usage error when out of range)
    or a name, kept as typed."""
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit():
        positive_id(stripped)
    return text


def add_ref(parser: argparse.ArgumentParser) -> None:
    """The positional argument naming one schedule."""
    parser.add_argument("id", metavar=METAVAR, type=schedule_ref, help=HELP)


def target(ctx: Context) -> int:
    """The id of the schedule the command line names."""
    from core.schedules.lookup import resolve_schedule

    return resolve_schedule(ctx.core.db, str(ctx.args.id))
