"""Reading the product's SQLite file with the standard library alone, for answers that must
come faster than SQLAlchemy loads. Only a file the engine would open as it is qualifies: one
in WAL mode at the head schema revision, that the engine would neither create, refuse, tighten
nor switch; the caller falls back to the engine for anything else."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from core.private_files import is_loose
from core.storage.location import default_url, plain_sqlite_file, resolve_url
from core.storage.revisions import RETIRED_COLUMNS, head_revision

# A quick read gives way at once to a writer holding the file: the engine waits its turn.
QUICK_BUSY_S = 0.05
# The kept per-kind, per-status counts and the triggers that keep them in step (migration 0017).
COUNTS_OBJECTS = (
    "schedule_counts",
    "schedule_counts_insert",
    "schedule_counts_update",
    "schedule_counts_delete",
)
# How the engine stores times in SQLite: naive UTC text (core.storage.utc, SQLAlchemy's format).
_STORED = "%Y-%m-%d %H:%M:%S.%f"


def utc_text(at: datetime) -> str:
    """An aware time as SQLite holds it: naive UTC text that sorts and compares in time order."""
    return at.astimezone(UTC).strftime(_STORED)


def utc_from_text(text: str) -> datetime:
    """A stored time as the aware UTC datetime the engine reads back."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _opens_as_is(path: Path) -> bool:
    """Whether the engine would open `path` without creating, refusing or tightening anything
    (see core.storage.engine._prepare_sqlite_file)."""
    if "\x00" in str(path) or not path.is_file():
        return False
    if not (os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)):
        return False
    ours = Path(default_url().removeprefix("sqlite:///")).parent
    if path.parent == ours and is_loose(path.parent):
        return False
    kin = (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"))
    return not any(is_loose(file) for file in kin)


def open_at_head(url: str | None = None) -> sqlite3.Connection | None:
    """A read-only connection, inside a read transaction, to the SQLite file the database URL
    names (resolved as the engine resolves it) when it is there at the head schema revision;
    None for any other database, and whenever SQLite refuses (locked, not a database)."""
    path = plain_sqlite_file(resolve_url(url))
    if path is None or not _opens_as_is(path):
        return None
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=QUICK_BUSY_S, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        if _at_head(conn):
            return conn
    except sqlite3.Error:
        pass
    conn.close()
    return None


def _at_head(conn: sqlite3.Connection) -> bool:
    """Whether the engine would use the file as it is: in WAL mode (it switches a file to WAL on
    open, which needs the write lock), at the head revision and not half-upgraded; begins the
    read transaction that gives every later statement one snapshot."""
    if conn.execute("PRAGMA journal_mode").fetchone() != ("wal",):
        return False
    conn.execute("BEGIN")
    found = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return found == [(head_revision(),)] and not _half_upgraded(conn)


def _half_upgraded(conn: sqlite3.Connection) -> bool:
    """Whether a column that the upgrades drop is still there (the engine refuses the file)."""
    for table, retired in RETIRED_COLUMNS.items():
        found = conn.execute("SELECT name FROM pragma_table_info(?)", [table])
        columns = {name for (name,) in found}
        if columns.intersection(retired):
            return True
    return False


def kept_counts(conn: sqlite3.Connection) -> bool:
    """Whether `schedule_counts` is there with every trigger that keeps it in step (a table
    rebuild by a later upgrade drops them)."""
    marks = ", ".join("?" for _ in COUNTS_OBJECTS)
    found = conn.execute(
        f"SELECT count(*) FROM sqlite_master WHERE name IN ({marks})", COUNTS_OBJECTS
    ).fetchone()
    return bool(found and found[0] == len(COUNTS_OBJECTS))
