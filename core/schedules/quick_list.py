"""`amx schedule list` answered from a SQLite file with the standard library alone, when that
gives the same answer as the schedule service: the database is a plain SQLite file at the head
revision, nothing is due for missed detection, and no stored profile holds a secret to warn
about. Otherwise it answers None and the caller asks the service (which loads SQLAlchemy and
the models, checks and migrates the schema, and says what is wrong)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.catalog.scope import from_texts, summary
from core.errors import AmxError
from core.schedules.list_order import SORT_KEYS, WALKED, SortKey, order_by_sql
from core.schedules.policies import llm_shown, review_shown, unscoped_shown
from core.schedules.rule_text import (
    ONCE_RULE,
    after_rule,
    cron_rule,
    cron_spelling,
    interval_rule,
    upstream_spelling,
)
from core.schedules.status import Status
from core.schedules.step_outline import stored_outline
from core.secrets import http_secrets, may_hold_literal_secret
from core.storage.due_index import DUE_PREDICATE
from core.storage.sqlite_read import kept_counts, open_at_head, utc_from_text

_COLUMNS = "id, name, status, next_fire_at, timezone, trigger, scope, scenario, db_profile"
_DUE = (
    f"SELECT next_fire_at FROM schedules INDEXED BY ix_schedules_due WHERE {DUE_PREDICATE} "
    "AND next_fire_at IS NOT NULL ORDER BY next_fire_at LIMIT 1"
)


@dataclass(frozen=True)
class ListedSchedule:
    """A schedule as the list shows it: the fields of `ScheduleInfo` its table reads."""

    id: int
    name: str
    status: Status
    next_fire_at: datetime | None
    timezone: str
    rule: str
    scope_summary: str
    steps_summary: str
    llm_profile: str | None
    review_strategy: str | None

    @property
    def llm_shown(self) -> str:
        """The LLM profile as lists show it ("—" when no step analyses)."""
        return llm_shown(self.llm_profile)

    @property
    def review_shown(self) -> str:
        """The review strategy as lists show it: Auto, Manual, or "—"."""
        return review_shown(self.review_strategy)


@dataclass(frozen=True)
class QuickPage:
    """One page of the list and how many schedules matched in all."""

    items: list[ListedSchedule]
    total: int
    offset: int
    limit: int


def quick_list(
    url: str | None,
    now: datetime,
    *,
    statuses: Iterable[str] = (),
    sort: str = "next_fire_at",
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> QuickPage | None:
    """The page `ScheduleService.list` gives for these statuses, sort and paging (analysis
    schedules, no text filter) at `now`, read straight from the SQLite file `url` names; None
    when only the service can give it (another database, an old schema, a schedule due for
    missed detection, a secret to warn about, input to refuse, anything SQLite refuses)."""
    wanted = sorted({str(s).strip().lower() for s in statuses})
    if any(s not in Status.__members__.values() for s in wanted) or sort not in SORT_KEYS:
        return None
    if limit < 1 or offset < 0:
        return None
    conn = open_at_head(url)
    if conn is None:
        return None
    with closing(conn):
        try:
            return _read(conn, now, wanted, sort, descending, offset, limit)
        except (sqlite3.Error, AmxError, ValueError, TypeError, KeyError, OverflowError):
            return None  # the service reads it, and says what is wrong with it


def _read(
    conn: sqlite3.Connection,
    now: datetime,
    statuses: list[str],
    sort: SortKey,
    descending: bool,
    offset: int,
    limit: int,
) -> QuickPage | None:
    due = conn.execute(_DUE).fetchone()
    if due is not None and utc_from_text(due[0]) < now:
        return None  # missed detection would run first and may change what the list shows
    if _secret_to_warn_about(conn):
        return None
    marks = ", ".join("?" for _ in statuses)
    kept = _kept_totals(conn, statuses, marks)
    # As the service does: a page of statuses that hold a quarter or more of the schedules
    # walks its sort's index, its kind and status terms written so that no other index serves.
    walk = kept is not None and sort in WALKED and kept[0] > 0 and kept[0] * 4 >= kept[1]
    plain = "+" if walk else ""  # SQLite's unary plus: a term no index serves
    where = f"deleted_at IS NULL AND {plain}kind = 'analyze'"
    params: list[Any] = []
    if statuses:
        where += f" AND {plain}status IN ({marks})"
        params += statuses
    if kept is not None:
        total = kept[0]
    else:
        found = conn.execute(f"SELECT count(id) FROM schedules WHERE {where}", params)
        total = int(found.fetchone()[0])
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM schedules WHERE {where} "
        f"ORDER BY {order_by_sql(sort, descending)} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    items: list[ListedSchedule] = []
    for row in rows:
        item = _listed(row)
        if item is None:
            return None
        items.append(item)
    return QuickPage(items=items, total=total, offset=offset, limit=limit)


def _kept_totals(
    conn: sqlite3.Connection, statuses: list[str], marks: str
) -> tuple[int, int] | None:
    """From the kept counts: how many analysis schedules stand in `statuses` (all when none),
    and how many live schedules there are; None where the counts are not kept."""
    if not kept_counts(conn):
        return None
    where = " AND status IN (" + marks + ")" if statuses else ""
    matched = conn.execute(
        f"SELECT coalesce(sum(n), 0) FROM schedule_counts WHERE kind = 'analyze'{where}",
        statuses,
    ).fetchone()[0]
    everything = conn.execute("SELECT coalesce(sum(n), 0) FROM schedule_counts").fetchone()[0]
    return int(matched), int(everything)


def _secret_to_warn_about(conn: sqlite3.Connection) -> bool:
    """Whether a stored profile may hold a secret in its URL (every command warns of those)."""
    urls = conn.execute("SELECT url FROM db_profiles").fetchall()
    if any(may_hold_literal_secret(str(url)) for (url,) in urls):
        return True
    bases = conn.execute("SELECT base_url FROM llm_profiles WHERE base_url IS NOT NULL")
    return any(http_secrets(str(base)) for (base,) in bases.fetchall())


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _rule(data: Any) -> str | None:
    """A stored trigger's rule as `triggers.describe` words it; None for a shape that only the
    trigger models can judge."""
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind == "once" and isinstance(data.get("fire_at"), str):
        return ONCE_RULE
    if kind == "cron" and isinstance(data.get("expr"), str):
        return cron_rule(cron_spelling(data["expr"]))
    if kind == "interval" and _whole(data.get("every_seconds")):
        return interval_rule(data["every_seconds"])
    if kind == "after":
        upstream, upstream_id = data.get("upstream", ""), data.get("upstream_id")
        if not isinstance(upstream, str) or not (upstream_id is None or _whole(upstream_id)):
            return None
        if upstream_spelling(upstream) or upstream_id is not None:
            return after_rule(upstream_spelling(upstream), upstream_id)
    return None


def _listed(row: tuple[Any, ...]) -> ListedSchedule | None:
    ident, name, status, next_fire_at, zone, trigger, scope, scenario, db_profile = row
    rule = _rule(json.loads(trigger))
    outline = stored_outline(json.loads(scenario))
    paths = json.loads(scope)
    if rule is None or outline is None or not isinstance(paths, list):
        return None
    return ListedSchedule(
        id=int(ident),
        name=str(name),
        status=Status(status),
        next_fire_at=None if next_fire_at is None else utc_from_text(next_fire_at),
        timezone=str(zone),
        rule=rule,
        scope_summary=summary(from_texts(tuple(str(p) for p in paths)))
        if paths
        else unscoped_shown(db_profile),
        steps_summary=outline.steps_summary,
        llm_profile=outline.llm_profile,
        review_strategy=outline.review,
    )
