"""The kept per-kind, per-status counts of live schedules (migrations 0017 and 0019): read in
one statement that answers every total, and on PostgreSQL folded now and then, since there each
change is a row of its own."""

from __future__ import annotations

import contextlib

from sqlalchemy import column, func, select
from sqlalchemy import table as sql_table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.errors import StorageError
from core.storage import prepared
from core.storage.engine import Database

_COUNTS = sql_table("schedule_counts", column("kind"), column("status"), column("n"))
# The counts read whole (a few rows a kind and status once folded), with how many rows held them.
_KEPT = select(_COUNTS.c.kind, _COUNTS.c.status, func.sum(_COUNTS.c.n), func.count()).group_by(
    _COUNTS.c.kind, _COUNTS.c.status
)
# A read that finds more change rows than this folds them (a daemon that folds may not run).
FOLD_AFTER = 1000
# PostgreSQL's change rows folded into one a kind and status (when there is more than one for
# some kind and status: nothing is rewritten otherwise). Rows a writer inserts meanwhile
# are not in this statement's snapshot and stay as they are; a second fold at the same time
# skips the rows the first one took.
_FOLD = (
    "WITH taken AS (DELETE FROM schedule_counts WHERE (SELECT count(*) > "
    "count(DISTINCT (kind, status)) FROM schedule_counts) RETURNING kind, status, n) "
    "INSERT INTO schedule_counts (kind, status, n) "
    "SELECT kind, status, sum(n) FROM taken GROUP BY kind, status HAVING sum(n) <> 0"
)
Kept = list[tuple[str, str, int]]  # (kind, status, how many) rows of the kept counts


def read(session: Session, db: Database) -> Kept:
    """The kept counts as (kind, status, how many) rows; on PostgreSQL, change rows past
    FOLD_AFTER are folded once read (in a transaction of their own)."""
    found = prepared.fetch(session, "kept-counts", lambda: _KEPT, {})
    if db.is_postgres and sum(int(row[3]) for row in found) > FOLD_AFTER:
        # Busy, or folded by another at the same time: the next read tries again.
        with contextlib.suppress(StorageError, DBAPIError):
            fold(db)
    return [(kind, status, int(n or 0)) for kind, status, n, _ in found]


def total(kept: Kept, kind: str | None, statuses: frozenset[str]) -> int:
    """How many of the kept counts' schedules are of `kind` (any when None) and in `statuses`
    (any when empty)."""
    return sum(n for k, s, n in kept if (not kind or k == kind) and (not statuses or s in statuses))


def fold(db: Database) -> None:
    """Fold PostgreSQL's change rows into one a kind and status (nothing to do on SQLite, or
    where the counts are not kept)."""
    if db.is_postgres and db.has_counts:
        with db.write() as session:
            session.connection().exec_driver_sql(_FOLD)
