"""The list's text filter: name or scope contains the text, ignoring ASCII case.

Every backend keeps the same substring test (LIKE on SQLite, ILIKE on PostgreSQL, whose
pg_trgm indexes serve it as written). On SQLite a text of three characters or more first
narrows the rows through the trigram table `schedule_text`; the substring test then decides,
so the matches are exactly those of a full scan.
"""

from __future__ import annotations

from sqlalchemy import Text, cast, column, literal_column, or_, select, table
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import TableClause

from core.storage.engine import Database
from core.storage.tables import Schedule

# Trigrams need three characters; a shorter text keeps the scan.
INDEXED_LENGTH = 3

_schedule_text = table("schedule_text", column("rowid"))


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards and the escape character taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_phrase(text: str) -> str:
    """The text as one FTS5 string (double quotes doubled), so none of it is query syntax."""
    return '"' + text.replace('"', '""') + '"'


def text_filter(db: Database, text: str, *, scan: bool = False) -> list[ColumnElement[bool]]:
    """The conditions for `text` (already stripped, not empty); `scan` skips the index."""
    like = like_pattern(text)
    columns = (Schedule.name, cast(Schedule.scope, Text))
    if not db.is_sqlite:
        # ILIKE, as the trigram indexes on name and CAST(scope AS TEXT) are built for it.
        return [or_(*(c.ilike(like, escape="\\") for c in columns))]
    # SQLite's LIKE ignores ASCII case already; its ILIKE would wrap both sides in lower().
    matches = or_(*(c.like(like, escape="\\") for c in columns))
    if scan or len(text) < INDEXED_LENGTH or not db.has_text_index:
        return [matches]
    source, match = trigram_source(text)
    candidates = select(source.c.rowid).where(match)
    return [Schedule.id.in_(candidates), matches]


def trigram_source(text: str) -> tuple[TableClause, ColumnElement[bool]]:
    """SQLite's trigram table and its MATCH for `text`, for a join driven from the table (its
    rowid is the schedule's id; it yields matches in id order, as it finds them)."""
    return _schedule_text, literal_column("schedule_text").op("MATCH")(fts_phrase(text))


def uses_index(db: Database, text: str, *, scan: bool = False) -> bool:
    """Whether `text` takes the indexed path: SQLite's trigram table, or on PostgreSQL any text
    the pg_trgm indexes can serve (they may be missing; the same query then scans)."""
    if not db.is_sqlite:
        return not scan and len(text) >= INDEXED_LENGTH
    return not scan and len(text) >= INDEXED_LENGTH and db.has_text_index
