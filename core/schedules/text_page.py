"""A text-filtered page whose total may be a lower bound, as the studio asks while one types.

Counting every match of a word found in thousands of schedules reads each of them, and so does
sorting them all for the page. Here a first look at the trigram table says how common the text
is: how far into the ids its first `SAMPLE` matches reach. A common text's page is then found
by walking the sort's index and testing each row (about `wanted * rows / matches` rows read
rather than every match), and its matches are counted only up to `TOTAL_CAP`. PostgreSQL has
no such table; there a sample of the table, drawn once a minute and kept, estimates the text's
matches without a round trip (the planner does when a step kind or profile narrows the page
too), and the count is capped the same way. On SQLite a like sample, drawn by id, says which
of a text's covering trigrams are worth asking the trigram table for: the rarest, and each
other one that leaves out enough of the sampled schedules holding those before it
(`unasked_trigrams`).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Select, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from core.schedules.text_search import (
    TRIGRAMS_PARAMETER,
    covering_trigrams,
    fts_query,
    trigram_source,
)
from core.storage import prepared
from core.storage.tables import Schedule

# A page's total beyond this many matches is given as "more than TOTAL_CAP".
TOTAL_CAP = 1000
# How many of the trigram table's matches the first look reads.
SAMPLE = 201
# PostgreSQL's estimate of the rows the schedules table holds (-1 before it is first analyzed);
# on SQLite the highest id, as ids are handed out in order.
_TABLE_SIZE = text("SELECT reltuples FROM pg_class WHERE oid = CAST('schedules' AS regclass)")
_HIGHEST_ID = text("SELECT coalesce(max(id), 0) FROM schedules")
# How long that estimate and the sample are kept: only VACUUM and ANALYZE change the estimate,
# and both only steer a choice.
SIZE_KEPT_S = 60.0
# About how many schedules a kept sample holds (PostgreSQL draws whole pages of them).
SAMPLE_ROWS = 1000
# A share of the table's pages, drawn at random: whether each schedule is live, and its kind,
# status and search_text.
_SAMPLE = text(
    "SELECT deleted_at IS NULL, kind, status, search_text FROM schedules "
    "TABLESAMPLE SYSTEM (:percent)"
)
# SQLite has no TABLESAMPLE: the schedules of ids drawn at random (a JSON list) up to the
# highest, their name and scope lowered and joined as PostgreSQL's search_text.
_SAMPLE_BY_ID = text(
    "SELECT deleted_at IS NULL, kind, status, "
    "lower(name) || char(10) || lower(CAST(scope AS TEXT)) FROM schedules "
    "WHERE id IN (SELECT value FROM json_each(:ids))"
)
# Testing a row the trigram table found costs about this many times reading one entry of a
# trigram's list of rows (SQLite, 100,000 schedules: about 0.65 against 0.02 microseconds). A
# covering trigram is asked for only when the rows it leaves out, so weighed, outnumber its list:
# "risk oslo" asks for "k o" and "slo", as every schedule holding "k o" holds "ris" too.
ROW_COST_IN_ENTRIES = 25
# Fewer live schedules than this in a sample say too little to leave any trigram out.
FEWEST_SAMPLED = 50


_T = TypeVar("_T")


class _KeptPerEngine(Generic[_T]):
    """A value for each engine, made again when older than SIZE_KEPT_S; a value `make` does not
    give (None) is asked again next time."""

    def __init__(self) -> None:
        self._kept: WeakKeyDictionary[Engine, tuple[float, _T]] = WeakKeyDictionary()

    def get(self, engine: Engine, make: Callable[[], _T | None]) -> _T | None:
        """The engine's kept value, or a new one from `make`."""
        kept = self._kept.get(engine)
        now = time.monotonic()
        if kept is not None and now - kept[0] < SIZE_KEPT_S:
            return kept[1]
        made = make()
        if made is not None:
            self._kept[engine] = (now, made)
        return made

    def clear(self) -> None:
        """Forget every kept value (as SIZE_KEPT_S later)."""
        self._kept.clear()


@dataclass(frozen=True)
class _Sample:
    """Schedules drawn from the table, which then held about `size` of them: how many were
    drawn (SQLite: ids tried), and the search_text of the live ones joined in one string for
    each kind and status."""

    size: float
    drawn: int
    texts: dict[tuple[str, str], str]
    # How many live schedules were drawn, and the share of them holding each trigram asked.
    live: int = 0
    shares: dict[str, float] = field(default_factory=dict)
    # The trigrams `unasked` left out of each text asked.
    left_out: dict[str, frozenset[str]] = field(default_factory=dict)

    def unasked(self, text: str) -> frozenset[str]:
        """The covering trigrams of `text` (text_search.covering_trigrams) not worth asking the
        trigram table for. The rarest is asked; each other, rarer first, when the sampled
        schedules holding every trigram asked so far but not it, times ROW_COST_IN_ENTRIES,
        outnumber those holding it. None while fewer than FEWEST_SAMPLED live schedules were
        drawn."""
        if self.live < FEWEST_SAMPLED:
            return frozenset()
        left_out = self.left_out.get(text)
        if left_out is None:
            trigrams = sorted(dict.fromkeys(covering_trigrams(text)), key=self.share)
            needles = [trigram.lower() for trigram in trigrams]
            rows = "\0".join(self.texts.values()).split("\0")
            holding = [row for row in rows if needles[0] in row]
            skipped = set()
            for trigram, needle in zip(trigrams[1:], needles[1:], strict=True):
                narrowed = [row for row in holding if needle in row]
                spared = (len(holding) - len(narrowed)) * ROW_COST_IN_ENTRIES
                if spared > self.share(trigram) * self.live:
                    holding = narrowed
                else:
                    skipped.add(trigram)
            left_out = self.left_out[text] = frozenset(skipped)
        return left_out

    def share(self, trigram: str) -> float:
        """About what share of the live schedules hold `trigram`, ignoring ASCII case."""
        found = self.shares.get(trigram)
        if found is None:
            needle = trigram.lower()
            hits = sum(joined.count(needle) for joined in self.texts.values())
            found = self.shares[trigram] = hits / max(self.live, 1)
        return found


_samples: _KeptPerEngine[_Sample] = _KeptPerEngine()
_sizes: _KeptPerEngine[float] = _KeptPerEngine()


@dataclass(frozen=True)
class Spread:
    """How many schedules the trigram table matches, estimated from its first matches, and
    those matches themselves when they were all read (fewer than `SAMPLE`)."""

    estimate: int
    highest_id: int
    every: tuple[int, ...] | None = None

    def worth_walking(self, wanted: int) -> bool:
        """Whether walking the sort's index for `wanted` matches reads fewer rows (about
        wanted * highest id / estimate) than sorting every match (about the estimate); never
        when every match was read already."""
        if self.every is not None:
            return False
        return self.estimate * self.estimate >= wanted * self.highest_id


def spread(session: Session, text: str, unasked: frozenset[str] = frozenset()) -> Spread:
    """Read the trigram table's first `SAMPLE` matches of `text` (it yields them in id order),
    asked without its `unasked` trigrams, and estimate how many match in all from the id where
    they ran out."""

    def first() -> Select[Any]:
        source, match = trigram_source(text)
        highest = select(func.max(Schedule.id)).scalar_subquery()
        return select(source.c.rowid, highest).where(match).limit(SAMPLE)

    asked = {TRIGRAMS_PARAMETER: fts_query(text, unasked)}
    found = prepared.fetch(session, "spread", first, asked)
    if not found:
        return Spread(0, 0, ())
    top = int(found[0][1] or 0)
    if len(found) < SAMPLE:
        return Spread(len(found), top, tuple(int(row[0]) for row in found))
    # Ids are handed out in order and a text's matches spread over them.
    return Spread(len(found) * top // max(int(found[-1][0]), 1), top)


def planned(
    session: Session, key: Hashable, build: Callable[[], Select[Any]], values: Mapping[str, Any]
) -> Spread | None:
    """PostgreSQL's estimate of how many rows the select `build` makes match (a prepared
    statement, `key` and `values` as there), from its planner's statistics with no row read,
    beside the rows its table holds; None before the table's statistics are first gathered."""
    size = _table_size(session)
    if size <= 0:
        return None
    plan = prepared.fetch(session, key, build, values, prefix="EXPLAIN (FORMAT JSON) ")
    document = plan[0][0]
    if isinstance(document, str):
        document = json.loads(document)
    return Spread(int(document[0]["Plan"]["Plan Rows"]), int(size))


def sampled(
    session: Session, kind: str | None, statuses: frozenset[str], text: str
) -> Spread | None:
    """PostgreSQL: how many live schedules of `kind` and `statuses` hold `text`, estimated
    from a sample of the table kept for SIZE_KEPT_S, beside the rows the table holds; no
    statement is run while the sample is kept. None before the table's statistics are first
    gathered. Like the planner's statistics, the sample only steers a choice of path."""
    sample = _sample(session)
    if sample is None:
        return None
    needle = text.lower()
    # Occurrences rather than rows: a row holding the text twice counts twice, which only
    # makes a common text look a little more common.
    hits = sum(
        joined.count(needle)
        for (its_kind, status), joined in sample.texts.items()
        if (kind is None or its_kind == kind) and (not statuses or status in statuses)
    )
    return Spread(round(hits * sample.size / max(sample.drawn, 1)), int(sample.size))


def _sample(session: Session) -> _Sample | None:
    """The engine's kept sample, drawn anew when older than SIZE_KEPT_S; None before the
    table's statistics are first gathered."""
    return _samples.get(session.connection().engine, lambda: _drawn(session))


def _drawn(session: Session) -> _Sample | None:
    """About SAMPLE_ROWS schedules drawn at random (`_Sample`)."""
    size = _table_size(session)
    if size <= 0:
        return None
    if session.connection().dialect.name == "sqlite":
        drawn = random.sample(range(1, int(size) + 1), min(SAMPLE_ROWS, int(size)))
        values: dict[str, Any] = {"ids": json.dumps(drawn)}
        rows = prepared.fetch(session, "schedules-sample", lambda: _SAMPLE_BY_ID, values)
        # Ids of schedules deleted for good are drawn too: they stand for no schedule.
        tried = len(drawn)
    else:
        percent = min(100.0, 100.0 * SAMPLE_ROWS / size)
        rows = prepared.fetch(session, "schedules-sample", lambda: _SAMPLE, {"percent": percent})
        tried = len(rows)
    groups: dict[tuple[str, str], list[str]] = {}
    for live, kind, status, searched in rows:
        if live:
            groups.setdefault((kind, status), []).append(searched or "")
    texts = {key: "\0".join(found) for key, found in groups.items()}
    live = sum(len(found) for found in groups.values())
    return _Sample(size, tried, texts, live)


def unasked_trigrams(session: Session, text: str) -> frozenset[str]:
    """The covering trigrams of `text` that the trigram table need not be asked for, judged
    from the kept sample (`_Sample.unasked`)."""
    sample = _sample(session)
    return frozenset() if sample is None else sample.unasked(text)


def _table_size(session: Session) -> float:
    """PostgreSQL's estimate of the schedules table's rows (SQLite's highest id), read at most
    every SIZE_KEPT_S; -1 before the table is first analyzed (SQLite: while it is empty), and
    then asked again next time."""

    def read() -> float | None:
        sqlite = session.connection().dialect.name == "sqlite"
        asked = _HIGHEST_ID if sqlite else _TABLE_SIZE
        found = prepared.fetch(session, "schedules-size", lambda: asked, {})
        size = float(found[0][0]) if found else -1.0
        return size if size > 0 else None

    size = _sizes.get(session.connection().engine, read)
    return -1.0 if size is None else size


def counted_up_to(text: str, where: Sequence[ColumnElement[bool]]) -> ScalarSelect[int]:
    """How many schedules match `text` and `where` (which must hold the exact substring test),
    counted through the trigram table up to one past `TOTAL_CAP`: a subquery to select."""
    source, match = trigram_source(text)
    ids = (
        select(Schedule.id)
        .select_from(source)
        .join(Schedule.__table__, Schedule.id == source.c.rowid)
        .where(match, *where)
        .limit(TOTAL_CAP + 1)
        .subquery()
    )
    return select(func.count()).select_from(ids).scalar_subquery()


def counted_up_to_any(where: Sequence[ColumnElement[bool]]) -> ScalarSelect[int]:
    """How many schedules match `where`, counted up to one past `TOTAL_CAP` by whatever path
    the planner chooses: a subquery to select."""
    ids = select(Schedule.id).where(*where).limit(TOTAL_CAP + 1).subquery()
    return select(func.count()).select_from(ids).scalar_subquery()
