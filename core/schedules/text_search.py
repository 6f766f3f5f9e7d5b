"""The list's text filter: name or scope contains the text, ignoring ASCII case.

On SQLite the substring test is LIKE on each column; a text of three characters or more first
narrows the rows through the trigram table `schedule_text`; the substring test then decides,
so the matches are exactly those of a full scan. That table is asked only for rows that hold a
few trigrams that together cover the text (a superset of the matches, found without reading
each trigram's positions), since the substring test follows anyway.

On PostgreSQL the test is one LIKE on the lowered copy of name and scope, `search_text`
(migration 0021), which its pg_trgm index serves as written, or asked for the text's parts
(`parts`); a text holding a newline, which would otherwise match across the two, and the
full-scan baseline keep ILIKE on each column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence

from sqlalchemy import Text, bindparam, cast, column, func, literal_column, or_, select, table
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.expression import TableClause

from core.storage.engine import Database
from core.storage.plan_hints import Unindexed
from core.storage.tables import Schedule

# Trigrams need three characters; a shorter text keeps the scan.
INDEXED_LENGTH = 3

_schedule_text = table("schedule_text", column("rowid"))
# PostgreSQL's lowered name and scope (migration 0021); the model leaves it to the database.
_search_text = column("search_text", Text, _selectable=Schedule.__table__)
# What joins name and scope in `search_text`: a text without it matches there only within one.
_SEPARATOR = "\n"
# The filter's values are parameters of these names, so that a statement compiled once for its
# shape serves every text (core.storage.prepared).
LIKE_PARAMETER = "text_like"
TRIGRAMS_PARAMETER = "text_trigrams"
AMONG_PARAMETER = "text_among"
# PostgreSQL's parts of a text (`parts`), named text_part_0, text_part_1, ...
PART_PARAMETER = "text_part_{}"
# The text itself, for PostgreSQL's test by position (`text_filter(by_position=True)`).
POSITION_PARAMETER = "text_plain"
# At most this many parts narrow a text: each is one more posting list to read and one more
# LIKE to test on every row the index finds.
MOST_PARTS = 2
_ALPHANUMERIC_RUN = re.compile(r"[A-Za-z0-9]{3,}")


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards and the escape character taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_phrase(text: str) -> str:
    """The text as one FTS5 string (double quotes doubled), so none of it is query syntax."""
    return '"' + text.replace('"', '""') + '"'


def text_filter(
    db: Database,
    text: str,
    *,
    scan: bool = False,
    among: Sequence[int] | None = None,
    by_parts: bool = False,
    by_position: bool = False,
    set_aside: bool = False,
) -> list[ColumnElement[bool]]:
    """The conditions for `text` (already stripped, not empty); `scan` skips the index;
    `among` holds every id the trigram table matches, when they were already read; with
    `by_parts`, PostgreSQL's trigram index is asked for the rows holding the text's `parts`
    rather than for every trigram it would take from the text; with `by_position`, for a
    statement that walks another index and tests each row, PostgreSQL finds the text's
    position in search_text, which takes about a sixth less time than the LIKE that only
    the trigram index needs; with `set_aside`, SQLite sets the trigram table's matches aside
    and looks up the id of each row another index yields among them, reading a row only
    when it is there."""
    like: BindParameter[str] = bindparam(LIKE_PARAMETER, like_pattern(text))
    columns = (Schedule.name, cast(Schedule.scope, Text))
    if not db.is_sqlite:
        if _by_columns(db, text, scan=scan):
            return [or_(*(c.ilike(like, escape="\\") for c in columns))]
        if by_position:
            plain: BindParameter[str] = bindparam(POSITION_PARAMETER, text)
            return [func.strpos(_search_text, func.lower(plain)) > 0]
        # ILIKE lowers both sides and compares; search_text is lowered already.
        found = parts(text) if by_parts else []
        if not found:
            return [_search_text.like(func.lower(like), escape="\\")]
        narrowing = [
            _search_text.like(func.lower(bindparam(PART_PARAMETER.format(i), f"%{part}%")))
            for i, part in enumerate(found)
        ]
        # Written so that the index does not serve it: the test alone, on the rows narrowed.
        return [*narrowing, Unindexed(_search_text).like(func.lower(like), escape="\\")]
    # SQLite's LIKE ignores ASCII case already; its ILIKE would wrap both sides in lower().
    matches = or_(*(c.like(like, escape="\\") for c in columns))
    if scan or len(text) < INDEXED_LENGTH or not db.has_text_index:
        return [matches]
    if among is not None:
        # One parameter, a JSON list, however many ids.
        ids = func.json_each(bindparam(AMONG_PARAMETER, json.dumps(list(among))))
        return [Schedule.id.in_(select(literal_column("value")).select_from(ids)), matches]
    source, match = trigram_source(text)
    candidates = select(source.c.rowid).where(match)
    schedule_id = Unindexed(Schedule.id) if set_aside else Schedule.id
    return [schedule_id.in_(candidates), matches]


def covering_trigrams(text: str) -> list[str]:
    """Trigrams of `text` (three characters or more) that together hold each of its
    characters: one every three characters, and the last. A row holding the text holds them."""
    starts = list(range(0, len(text) - 2, 3))
    if starts[-1] != len(text) - 3:
        starts.append(len(text) - 3)
    return [text[i : i + 3] for i in starts]


def fts_query(text: str, unasked: Collection[str] = ()) -> str:
    """The FTS5 query for rows that hold every covering trigram of `text` but those in
    `unasked` (not worth their list of rows; text_page.unasked_trigrams), each quoted so that
    none of it is query syntax."""
    covering = covering_trigrams(text)
    asked = [trigram for trigram in covering if trigram not in unasked] or covering
    return " AND ".join(fts_phrase(trigram) for trigram in asked)


def trigram_source(text: str) -> tuple[TableClause, ColumnElement[bool]]:
    """SQLite's trigram table and its MATCH for `text`, for a join driven from the table (its
    rowid is the schedule's id; it yields matches in id order, as it finds them). Its matches
    are a superset of the text's: the substring test must follow."""
    trigrams: BindParameter[str] = bindparam(TRIGRAMS_PARAMETER, fts_query(text))
    return _schedule_text, literal_column("schedule_text").op("MATCH")(trigrams)


def parts(text: str) -> list[str]:
    """Pieces of `text` that every row holding it holds, which PostgreSQL's trigram index finds
    from one trigram each, at most MOST_PARTS: taken from the runs of three or more ASCII
    letters and digits, the middle covering trigram of each of the two longest runs, or the
    first and last of a lone run. pg_trgm takes every trigram of a LIKE pattern, those that
    start or end a word among them (held by a large share of rows: every word starting with
    "o", say); with two parts it reads two short posting lists instead, and the rows it finds
    are tested with two LIKEs more rather than one for each trigram ("risk oslo" reads those
    of isk and slo rather than seven)."""
    runs = sorted(_ALPHANUMERIC_RUN.findall(text), key=len, reverse=True)
    if len(runs) == 1:
        lone = covering_trigrams(runs[0])
        return [lone[0], lone[-1]] if len(lone) > 1 else lone
    middles = []
    for run in runs[:MOST_PARTS]:
        trigrams = covering_trigrams(run)
        middles.append(trigrams[len(trigrams) // 2])
    return middles


def parameters(
    db: Database,
    text: str,
    *,
    scan: bool = False,
    by_parts: bool = False,
    by_position: bool = False,
    unasked: Collection[str] = (),
) -> dict[str, str]:
    """The values of the named parameters `text_filter` and `trigram_source` give `text`; the
    trigram table is asked without the `unasked` trigrams."""
    if by_position and not db.is_sqlite and not _by_columns(db, text, scan=scan):
        return {POSITION_PARAMETER: text}
    found = {LIKE_PARAMETER: like_pattern(text)}
    if uses_index(db, text, scan=scan) and db.is_sqlite:
        found[TRIGRAMS_PARAMETER] = fts_query(text, unasked)
    if by_parts and not db.is_sqlite and not _by_columns(db, text, scan=scan):
        for i, part in enumerate(parts(text)):
            found[PART_PARAMETER.format(i)] = f"%{part}%"
    return found


def shape(db: Database, text: str, *, scan: bool = False) -> tuple[bool, bool, int]:
    """What in `text` changes the SQL of its filter (not its values): a key part for
    statements compiled once."""
    counted = 0 if db.is_sqlite else len(parts(text))
    return uses_index(db, text, scan=scan), _by_columns(db, text, scan=scan), counted


def _by_columns(db: Database, text: str, *, scan: bool) -> bool:
    """Whether PostgreSQL tests each column with ILIKE rather than `search_text`."""
    return not db.is_sqlite and (scan or _SEPARATOR in text)


def uses_index(db: Database, text: str, *, scan: bool = False) -> bool:
    """Whether `text` takes the indexed path: SQLite's trigram table, or on PostgreSQL any text
    the pg_trgm indexes can serve (they may be missing; the same query then scans)."""
    if not db.is_sqlite:
        return not scan and len(text) >= INDEXED_LENGTH
    return not scan and len(text) >= INDEXED_LENGTH and db.has_text_index
