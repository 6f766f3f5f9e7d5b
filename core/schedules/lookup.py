"""Naming a schedule by id or by name, as people type it.

The rule: a reference of ASCII digits only is an id; anything else is a name, compared as names
are (NFKC and case folding, see `core.text.name_key`). A name made only of digits is reached
with the `name:` prefix (`name:2024`), which always means a name; so `7` never changes meaning
when someone names a schedule "7".
"""

from __future__ import annotations

from sqlalchemy import select

from core.errors import InvalidInput, NotFound
from core.storage.engine import Database
from core.storage.tables import Schedule
from core.text import name_key

NAME_PREFIX = "name:"
ID_MAX = 2**63 - 1  # the database's integer columns are signed 64-bit


def _by_name(db: Database, name: str) -> int | None:
    with db.read() as session:
        found: int | None = session.scalar(
            select(Schedule.id).where(
                Schedule.name_key == name_key(name), Schedule.deleted_at.is_(None)
            )
        )
        return found


def _exists(db: Database, schedule_id: int) -> bool:
    with db.read() as session:
        row = session.get(Schedule, schedule_id)
        return row is not None and row.deleted_at is None


def resolve_schedule(db: Database, ref: str) -> int:
    """The id of the live schedule `ref` names (see the module's rule); NotFound otherwise."""
    text = ref.strip()
    if text.startswith(NAME_PREFIX):
        name = text.removeprefix(NAME_PREFIX).strip()
        if not name:
            raise InvalidInput("schedule", "give a name after name:, e.g. name:nightly.")
        found = _by_name(db, name)
        if found is None:
            raise NotFound(f"no schedule is named {name!r}.", field="schedule")
        return found
    if not text:
        raise InvalidInput("schedule", "give a schedule's id or name.")
    if text.isascii() and text.isdigit():
        schedule_id = int(text)
        if 0 < schedule_id <= ID_MAX and _exists(db, schedule_id):
            return schedule_id
        named = _by_name(db, text)
        hint = f"; a schedule is named {text!r}: say name:{text}" if named is not None else ""
        raise NotFound(f"no schedule with id {text}{hint}.", field="schedule")
    found = _by_name(db, text)
    if found is None:
        raise NotFound(
            f"no schedule has the id or name {text!r}.",
            field="schedule",
        )
    return found
