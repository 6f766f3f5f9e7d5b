"""The schedule service: the one API that the studio, the command line and the daemon call."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, bindparam, case, cast, func, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.selectable import ScalarSelect

from core.clock import Clock
from core.errors import Conflict, InvalidInput, NameTaken, NotFound, StaleEdit
from core.schedules import after, kept_counts, queue, stored, text_page
from core.schedules.list_order import MERGED, SEVERITY, SORT_KEYS, WALKED, SortKey
from core.schedules.policies import KINDS
from core.schedules.scenario import SECTIONS, STEP_KINDS
from core.schedules.scenario.model import first_analysis
from core.schedules.spec import (
    ANALYSIS_FIELDS,
    ScheduleSpec,
    build_spec,
    with_analysis,
    with_anchor,
)
from core.schedules.status import RunStatus, Status, check
from core.schedules.stored import stored_columns
from core.schedules.text_page import TOTAL_CAP
from core.schedules.text_search import (
    AMONG_PARAMETER,
    TRIGRAMS_PARAMETER,
    text_filter,
    uses_index,
)
from core.schedules.text_search import parameters as text_parameters
from core.schedules.text_search import shape as text_shape
from core.schedules.triggers import (
    AfterTrigger,
    IntervalTrigger,
    OnceTrigger,
    kept_once,
    next_fire_time,
    validate_once_in_future,
)
from core.schedules.views import Page, RunInfo, ScheduleDetail, ScheduleInfo
from core.storage import prepared
from core.storage.engine import Database
from core.storage.plan_hints import LeftFirst, Unindexed
from core.storage.tables import DbProfile, LlmProfile, MailProfile, Run, Schedule
from core.text import name_key

# No table holds more rows; a part's LIMIT past it would overflow the engines' 64-bit integers.
LARGEST_ROW_COUNT = 2**62
# The named parameters of a list's filters besides the text's (core.schedules.text_search).
STEP_PARAMETER = "step_setting"
PROFILE_PARAMETER = "profile_name"
PROFILE_STEP_PARAMETER = "profile_setting"
HISTORY = 100
ProfileTable = type[DbProfile | LlmProfile | MailProfile]


@dataclass(frozen=True)
class ListQuery:
    """Filters, sort and paging for `ScheduleService.list`; statuses may be given as words
    (`"failed"`) and are checked here."""

    statuses: frozenset[str] = frozenset()
    kind: str | None = "analyze"
    text: str = ""
    sort: SortKey = "next_fire_at"
    descending: bool = False
    offset: int = 0
    limit: int = 200
    step_kind: str | None = None  # a step of this kind in any section
    profile: str | None = None  # a step on this DB profile
    # False: a text filter's total may be "more than TOTAL_CAP" (Page.total_exact), which
    # keeps a page of a word found in thousands of schedules quick (the studio as one types).
    exact_total: bool = True

    def __post_init__(self) -> None:
        if self.step_kind is not None and self.step_kind not in STEP_KINDS:
            raise InvalidInput(
                "step_kind",
                f"step kind {self.step_kind!r} is unknown; use one of {', '.join(STEP_KINDS)}.",
            )
        wanted: list[str] = []
        for given in self.statuses:
            word = str(given).strip().lower()
            if word not in Status.__members__.values():
                names = ", ".join(s.value for s in Status)
                raise InvalidInput("status", f"status {word!r} is unknown; use any of {names}.")
            wanted.append(Status(word))
        object.__setattr__(self, "statuses", frozenset(wanted))
        if self.sort not in SORT_KEYS:
            raise InvalidInput(
                "sort", f"sort {self.sort!r} is unknown; use any of {', '.join(SORT_KEYS)}."
            )
        if self.limit < 1 or self.offset < 0:
            raise InvalidInput("limit", "limit must be at least 1 and offset at least 0.")


@dataclass(frozen=True)
class RunNowResult:
    """What run-now did: queued an out-of-band run, or set a Missed occurrence to fire now."""

    schedule: ScheduleInfo
    run: RunInfo | None


_what = queue.describe_row


@dataclass(frozen=True)
class MissedCheck:
    """A time-boxed missed detection: what it marked, and how many Pending schedules past their
    fire time are still to be checked."""

    changed: list[ScheduleInfo]
    left: int


class ScheduleService:
    """Create, change, list and inspect schedules. Time comes from the injected clock."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        scope_check: Callable[[ScheduleSpec], None] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.scope_check = scope_check
        self._scan_text = False  # benchmarks: the text filter's full-scan baseline

    # -- creating and editing -------------------------------------------------------------

    def create(self, spec: ScheduleSpec, *, paused: bool = False) -> ScheduleInfo:
        """Queue a new schedule (Paused, given `paused`); refuses past fire-at times, unknown
        profiles, duplicate names."""
        now = self.clock.now()
        spec = with_anchor(spec, now)
        next_at = self._first_fire(spec, now)
        self.check_scope(spec)
        with self.db.write() as session:
            return self._insert(session, spec, now, next_at, {}, paused)

    def create_in(
        self,
        session: Session,
        spec: ScheduleSpec,
        *,
        template: Mapping[str, Any] | None = None,
        paused: bool = False,
    ) -> ScheduleInfo:
        """Queue a new schedule inside the caller's write transaction (the caller checks the
        scope); for a template's instance, `template` holds its template_slug,
        template_profile and template_params."""
        now = self.clock.now()
        spec = with_anchor(spec, now)
        next_at = self._first_fire(spec, now)
        return self._insert(session, spec, now, next_at, template or {}, paused)

    def _insert(
        self,
        session: Session,
        spec: ScheduleSpec,
        now: datetime,
        next_at: datetime | None,
        template: Mapping[str, Any],
        paused: bool = False,
    ) -> ScheduleInfo:
        self._check_profiles(session, spec)
        self._check_name_free(session, spec.name, None)
        spec = _upstream_resolved(session, spec, None)
        row = Schedule(
            **_columns(spec),
            **template,
            status=Status.PAUSED if paused else Status.PENDING,
            next_fire_at=next_at,
            retry_count=0,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        self._flush_unique(session, spec.name)
        return ScheduleInfo.of(row)

    def edit(
        self, schedule_id: int, changes: Mapping[str, Any], *, expected_version: int
    ) -> ScheduleInfo:
        """Apply what a person changed (only those fields of a ScheduleSpec; the rest stay as
        stored); refused if the schedule changed since `expected_version`."""
        settings = (*ScheduleSpec.model_fields, *ANALYSIS_FIELDS)
        unknown = sorted(set(changes) - set(settings))
        if unknown:
            known = ", ".join(settings)
            raise InvalidInput(
                unknown[0], f"{unknown[0]} is not a setting of a schedule; change any of {known}."
            )
        current = self.get(schedule_id)
        fields: dict[str, Any] = {key: getattr(current, key) for key in ScheduleSpec.model_fields}
        fields.update({k: v for k, v in changes.items() if k not in ANALYSIS_FIELDS})
        flat = {k: v for k, v in changes.items() if k in ANALYSIS_FIELDS}
        if flat:
            fields["steps"] = with_analysis(current.steps, flat)
        return self.update(schedule_id, build_spec(**fields), expected_version=expected_version)

    def update(
        self, schedule_id: int, spec: ScheduleSpec, *, expected_version: int
    ) -> ScheduleInfo:
        """Replace a schedule's configuration; refused if it changed since `expected_version`."""
        self.check_scope(spec)
        with self.db.write() as session:
            return self.update_in(session, self._get(session, schedule_id), spec, expected_version)

    def update_in(
        self, session: Session, row: Schedule, spec: ScheduleSpec, expected_version: int
    ) -> ScheduleInfo:
        """Replace a schedule row's configuration inside the caller's write transaction (the
        caller checks the scope)."""
        now = self.clock.now()
        if row.version != expected_version:
            raise StaleEdit(
                f"{_what(row)} changed since you opened it (now version {row.version}, yours "
                f"{expected_version}); reload it and make your change again.",
                current_version=row.version,
            )
        old = row.trigger
        anchor = now
        if (
            isinstance(old, IntervalTrigger)
            and isinstance(spec.trigger, IntervalTrigger)
            and spec.trigger.every_seconds == old.every_seconds
        ):
            anchor = old.anchor or now  # an unchanged interval keeps its rhythm
        spec = with_anchor(spec, anchor)
        target = Status.PAUSED if row.status == Status.PAUSED else Status.PENDING
        check("edit", row.status, target, what=_what(row))
        self._check_profiles(session, spec)
        spec = _upstream_resolved(session, spec, row.id)
        if name_key(spec.name) != name_key(row.name):  # a case-only change keeps its key
            self._check_name_free(session, spec.name, row.id)
            row.name_key = name_key(spec.name)
        if spec.name != row.name:
            with session.no_autoflush:  # one flush, so the edit counts one version
                after.rename_upstream(session, row.id, spec.name)
        # A one-shot whose fire time has passed and stays: the edit changes what it does,
        # not where it stands (a finished one stays finished, a missed one waits on).
        kept = kept_once(row.trigger, row.timezone, spec.trigger, spec.timezone, now)
        next_at = None if kept else self._first_fire(spec, now)
        for key, value in _columns(spec).items():
            setattr(row, key, value)
        if not kept:
            row.next_fire_at = next_at
            row.status = target
            row.retry_count = 0
            row.note = None
        row.updated_at = now
        self._flush_unique(session, spec.name)
        return ScheduleInfo.of(row)

    def check_scope(self, spec: ScheduleSpec) -> None:
        """The scope check a front end's core wires in; outside any write transaction, as it
        may read a remote catalog."""
        if self.scope_check is not None:
            self.scope_check(spec)

    def _first_fire(self, spec: ScheduleSpec, now: datetime) -> datetime | None:
        if isinstance(spec.trigger, OnceTrigger):
            validate_once_in_future(spec.trigger, spec.timezone, now)
        return next_fire_time(spec.trigger, spec.timezone, now)

    def _check_profiles(self, session: Session, spec: ScheduleSpec) -> None:
        for field, table, label, name in profiles_named(spec):
            if session.scalar(select(table.id).where(table.name == name)) is None:
                known = session.scalars(select(table.name).order_by(table.name).limit(5)).all()
                choices = f"known: {', '.join(known)}" if known else "none exist yet"
                where = f"{field.partition('.')[0]}: " if "[" in field else ""
                raise InvalidInput(
                    field,
                    f"{where}no {label} profile named {name!r} ({choices}); add that profile "
                    "first.",
                )

    def _check_name_free(self, session: Session, name: str, own_id: int | None) -> None:
        clash = session.scalar(
            select(Schedule.id).where(
                Schedule.name_key == name_key(name), Schedule.deleted_at.is_(None)
            )
        )
        if clash is not None and clash != own_id:
            raise NameTaken(
                f"a schedule named {name!r} exists already (id {clash}); choose another name."
            )

    def _flush_unique(self, session: Session, name: str) -> None:
        try:
            session.flush()
        except IntegrityError:
            raise NameTaken(
                f"a schedule named {name!r} exists already; choose another name."
            ) from None
        except StaleDataError:
            raise StaleEdit(
                "the schedule changed while you edited it; reload it and make your change again."
            ) from None

    # -- status changes -------------------------------------------------------------------

    def pause(self, schedule_id: int) -> ScheduleInfo:
        """Pending → Paused: it keeps its next fire time but will not fire."""
        with self.db.write() as session:
            return self.pause_in(session, self._get(session, schedule_id))

    def pause_in(self, session: Session, row: Schedule) -> ScheduleInfo:
        """Pause a schedule row inside the caller's write transaction."""
        row.status = check("pause", row.status, Status.PAUSED, what=_what(row))
        return self._touch(session, row)

    def resume(self, schedule_id: int) -> ScheduleInfo:
        """Paused → Pending; if its fire time passed meanwhile, the missed policy decides."""
        with self.db.write() as session:
            return self.resume_in(session, self._get(session, schedule_id))

    def resume_in(self, session: Session, row: Schedule) -> ScheduleInfo:
        """Resume a schedule row inside the caller's write transaction."""
        now = self.clock.now()
        if queue.overdue(row, now):
            queue.apply_missed(session, row, now, "it was paused at its fire time", "resume")
        else:
            row.status = check("resume", row.status, Status.PENDING, what=_what(row))
        return self._touch(session, row)

    def run_now(self, schedule_id: int) -> RunNowResult:
        """Queue an immediate run that leaves the regular trigger alone (a Missed one fires now)."""
        now = self.clock.now()
        with self.db.write() as session:
            row = self._get(session, schedule_id)
            if row.status == Status.MISSED:
                check("run_now", row.status, Status.PENDING, what=_what(row))
                row.status = Status.PENDING
                row.next_fire_at = now
                row.note = "missed occurrence run now by request"
                return RunNowResult(self._touch(session, row), None)
            check("run_now", row.status, row.status, what=_what(row))
            run = Run(
                schedule_id=row.id,
                scheduled_for=now,
                trigger="manual",
                attempt=1,
                status=RunStatus.QUEUED,
                note="run now by request",
                created_at=now,
            )
            session.add(run)
            session.flush()
            return RunNowResult(ScheduleInfo.of(row), RunInfo.of(run))

    def skip(self, schedule_id: int) -> ScheduleInfo:
        """Missed → Cancelled (one-shot) or Pending at the next occurrence (recurring)."""
        now = self.clock.now()
        with self.db.write() as session:
            row = self._get(session, schedule_id)
            if isinstance(row.trigger, OnceTrigger):
                row.status = check("skip", row.status, Status.CANCELLED, what=_what(row))
                row.next_fire_at = None
            else:
                row.status = check("skip", row.status, Status.PENDING, what=_what(row))
                row.next_fire_at = next_fire_time(row.trigger, row.timezone, now)
            row.note = "missed occurrence skipped"
            return self._touch(session, row)

    def cancel(self, schedule_id: int) -> ScheduleInfo:
        """Stop a schedule for good; a running job stops at its next checkpoint."""
        with self.db.write() as session:
            row = self._get(session, schedule_id)
            row.status = check("cancel", row.status, Status.CANCELLED, what=_what(row))
            row.next_fire_at = None
            self._cancel_queued(session, row)
            return self._touch(session, row)

    def delete(self, schedule_id: int) -> ScheduleInfo:
        """Remove a schedule from the queue; its run history is kept."""
        with self.db.write() as session:
            return self.delete_in(session, self._get(session, schedule_id))

    def delete_in(self, session: Session, row: Schedule) -> ScheduleInfo:
        """Delete a schedule row inside the caller's write transaction."""
        now = self.clock.now()
        if row.status == Status.RUNNING:
            raise Conflict(
                f"{_what(row)} is running; cancel it first and delete it when the run has stopped.",
                field="running",
            )
        row.status = check("delete", row.status, Status.CANCELLED, what=_what(row))
        row.next_fire_at = None
        row.deleted_at = now
        self._cancel_queued(session, row)
        after.orphan_downstream(session, row, now)
        return self._touch(session, row)

    def _cancel_queued(self, session: Session, row: Schedule) -> None:
        for run in session.scalars(
            select(Run).where(Run.schedule_id == row.id, Run.status == RunStatus.QUEUED)
        ):
            run.status = RunStatus.CANCELLED
            run.note = "cancelled with its schedule"

    def _touch(self, session: Session, row: Schedule) -> ScheduleInfo:
        row.updated_at = self.clock.now()
        session.flush()
        return ScheduleInfo.of(row)

    # -- missed runs ----------------------------------------------------------------------

    def detect_missed(self) -> list[ScheduleInfo]:
        """Apply the missed policy to every Pending schedule whose fire time is past its grace."""
        return [ScheduleInfo.of(row) for row in queue.detect_missed(self.db, self.clock.now())]

    def detect_missed_within(self, seconds: float) -> MissedCheck:
        """Missed detection for at most about `seconds`, and how many schedules past their fire
        time it left unchecked when time ran out (0 when it finished)."""
        now = self.clock.now()
        scan = queue.scan_missed(self.db, now, within_s=seconds)
        left = 0 if scan.finished else queue.past_due_count(self.db, now)
        return MissedCheck([ScheduleInfo.of(row) for row in scan.changed], left)

    # -- reading --------------------------------------------------------------------------

    @staticmethod
    def _live() -> tuple[ColumnElement[bool], ...]:
        return (Schedule.deleted_at.is_(None),)

    def _get(self, session: Session, schedule_id: int) -> Schedule:
        row = session.get(Schedule, schedule_id)
        if row is None or row.deleted_at is not None:
            raise NotFound(f"no schedule with id {schedule_id}.", field="schedule")
        return row

    def get(self, schedule_id: int) -> ScheduleInfo:
        """One schedule, or NotFound."""
        with self.db.read() as session:
            return ScheduleInfo.of(self._get(session, schedule_id))

    def upstream(self, trigger: AfterTrigger, own_id: int | None = None) -> ScheduleInfo:
        """The schedule `trigger` would run after, found as saving it would (by id, else by
        name); InvalidInput naming `after` when there is none, it is schedule `own_id` itself,
        or it would close a loop."""
        with self.db.read() as session:
            found = after.resolve(session, trigger, own_id)
            assert found.upstream_id is not None
            return ScheduleInfo.of(self._get(session, found.upstream_id))

    def downstream(self, schedule_id: int) -> list[ScheduleInfo]:
        """The live schedules that run after schedule `schedule_id` succeeds, in id order."""
        with self.db.read() as session:
            return [ScheduleInfo.of(row) for row in after.downstream_of(session, schedule_id)]

    def show(
        self, schedule_id: int, *, runs: int = HISTORY, runs_offset: int = 0
    ) -> ScheduleDetail:
        """A schedule's configuration and a page of its runs, newest first."""
        with self.db.read() as session:
            row = self._get(session, schedule_id)
            history = session.scalars(
                select(Run)
                .where(Run.schedule_id == row.id)
                .order_by(Run.id.desc())
                .offset(runs_offset)
                .limit(runs)
            ).all()
            total = session.scalar(select(func.count(Run.id)).where(Run.schedule_id == row.id))
            return ScheduleDetail(
                schedule=ScheduleInfo.of(row),
                runs=[RunInfo.of(r) for r in history],
                runs_total=total or 0,
            )

    def _filters(
        self,
        query: ListQuery,
        *,
        walk: bool = False,
        like_only: bool = False,
        among: Sequence[int] | None = None,
        by_parts: bool = False,
        by_position: bool = False,
        set_aside: bool = False,
    ) -> list[ColumnElement[bool]]:
        """The WHERE of `query`; with `walk`, its kind and statuses are written so that no index
        serves them (SQLite then walks the next-fire index in order instead of sorting, or
        reads the trigram table's matches first: without statistics its planner would rather
        walk every schedule of the kind and look each up in that table); with
        `like_only`, the text is tested by its substring test alone, not through an index;
        `among` holds the trigram table's every match of the text, when already read; with
        `by_parts`, PostgreSQL's trigram index is asked for the text's parts
        (text_search.parts); with `by_position`, PostgreSQL tests the text on each row walked
        by its position rather than with LIKE; with `set_aside`, SQLite looks up each row's id
        among the trigram table's matches before reading the row."""
        where: list[ColumnElement[bool]] = list(self._live())
        kind, status = (
            (Unindexed(Schedule.kind), Unindexed(Schedule.status))
            if walk
            else (Schedule.kind, Schedule.status)
        )
        if query.kind:
            where.append(kind == query.kind)
        if query.statuses:
            where.append(status.in_(sorted(query.statuses)))
        # The stored scenario is JSON written by json.dumps: a step's setting reads `"key": value`.
        stored = cast(Schedule.scenario, String)
        if query.step_kind:
            step: BindParameter[str] = bindparam(
                STEP_PARAMETER, _setting_like("kind", query.step_kind)
            )
            where.append(stored.like(step, escape="\\"))
        if query.profile:
            where.append(
                or_(
                    Schedule.db_profile == bindparam(PROFILE_PARAMETER, query.profile),
                    stored.like(
                        bindparam(PROFILE_STEP_PARAMETER, _setting_like("profile", query.profile)),
                        escape="\\",
                    ),
                )
            )
        text = query.text.strip()
        if text:
            scan = self._scan_text or like_only
            where.extend(
                text_filter(
                    self.db,
                    text,
                    scan=scan,
                    among=among,
                    by_parts=by_parts,
                    by_position=by_position,
                    set_aside=set_aside,
                )
            )
        return where

    def list(self, query: ListQuery | None = None) -> Page:
        """One filtered, sorted page of schedules and how many matched in all."""
        query = query or ListQuery()
        with self.db.read() as session:
            look = self._look(session, query)
            if look is not None and look.worth_walking(query.offset + query.limit):
                rows, total, exact = self._common_text_page(session, query)
            elif self._postgres_text(query):
                rows, total, exact = self._postgres_text_page(session, query)
            else:
                rows, total = self._page(session, query, look.every if look else None)
                exact = True
        return Page.model_construct(
            items=stored.infos(rows, self.db.engine.dialect),
            total=total,
            total_exact=exact,
            offset=query.offset,
            limit=query.limit,
        )

    def _page(
        self, session: Session, query: ListQuery, among: Sequence[int] | None = None
    ) -> tuple[Sequence[Sequence[Any]], int]:
        """The page's stored rows and the exact total, by the cheapest path for the query;
        `among` holds the trigram table's every match of its text, when already read."""
        text = query.text.strip()
        if text:
            return self._text_page(session, query, text, among)
        kept = kept_counts.read(session, self.db) if self._counted(query) else None
        # Each statement is built and compiled once for the query's shape.
        key, values = ("plain", self._shape(query)), self._values(query)
        if query.sort in WALKED and self._common(session, query, kept):

            def walked() -> Select[Any]:
                # PostgreSQL's planner walks the sort's index itself, given the plain terms.
                return _sorted(query, self._filters(query, walk=self.db.is_sqlite))

            rows = prepared.fetch(session, (*key, "walk"), walked, values)
        elif query.sort in MERGED:
            rows = prepared.fetch(session, (*key, "merged"), lambda: self._merged(query), values)
        else:
            rows = prepared.fetch(
                session, (*key, "sorted"), lambda: _sorted(query, self._filters(query)), values
            )
        if kept is not None:
            return rows, kept_counts.total(kept, query.kind, query.statuses)
        return rows, self._total(session, self._filters(query))

    def _text_page(
        self, session: Session, query: ListQuery, text: str, among: Sequence[int] | None
    ) -> tuple[Sequence[Sequence[Any]], int]:
        """The page of a text-filtered `query` and its exact total."""
        found: Sequence[Sequence[Any]]
        indexed = uses_index(self.db, text, scan=self._scan_text)
        walk = self.db.is_sqlite and indexed
        if indexed:
            # Through the trigram index: the matches' ids and sort keys are read once, then
            # sorted top-N for the page and counted for the total (one pass over the matches,
            # no window over all of them); only the page's rows are read whole.
            found = prepared.fetch(
                session,
                ("matched", self._shape(query), among is not None),
                lambda: _matched_page(
                    query,
                    self._filters(query, walk=walk, among=among, by_parts=True),
                ),
                self._values(
                    query, among, by_parts=True, unasked=self._unasked_trigrams(session, text)
                ),
            )
        else:
            # A text filter that scans the table counts in the same pass.
            counted = _sorted(query, self._filters(query)).add_columns(func.count().over())
            found = _all(session, counted)
        if found:
            return [row[:-1] for row in found], int(found[0][-1])
        # Past the last match: the page is empty and the matches are counted alone.
        return [], self._total(session, self._filters(query, walk=walk, among=among))

    def _look(self, session: Session, query: ListQuery) -> text_page.Spread | None:
        """When `query` need not count exactly and filters by a text that SQLite's trigram
        table serves: a first look at how many schedules it matches (whether walking the
        sort's index for the page reads fewer rows than sorting every match), and every match
        when there are few."""
        text = query.text.strip()
        if query.exact_total or not self.db.is_sqlite or query.sort not in WALKED:
            return None
        if not text or not uses_index(self.db, text, scan=self._scan_text):
            return None
        return text_page.spread(session, text, self._unasked_trigrams(session, text))

    def _unasked_trigrams(self, session: Session, text: str) -> frozenset[str]:
        """On SQLite, the covering trigrams of `text` not worth their list of rows, for which
        its trigram table is not asked (text_page.unasked_trigrams)."""
        if not self.db.is_sqlite or not uses_index(self.db, text, scan=self._scan_text):
            return frozenset()
        return text_page.unasked_trigrams(session, text)

    def _shape(self, query: ListQuery) -> tuple[Any, ...]:
        """What, besides the named parameters' values (`_values`), makes the SQL of `query`'s
        statements: a key for statements compiled once (core.storage.prepared)."""
        return (
            query.kind,
            tuple(sorted(query.statuses)),
            query.step_kind is not None,
            query.profile is not None,
            query.sort,
            query.descending,
            query.offset,
            query.limit,
            text_shape(self.db, query.text.strip(), scan=self._scan_text),
        )

    def _values(
        self,
        query: ListQuery,
        among: Sequence[int] | None = None,
        *,
        by_parts: bool = False,
        by_position: bool = False,
        unasked: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """The values of the named parameters in `query`'s filters (`_filters`); SQLite's
        trigram table is asked without the `unasked` trigrams."""
        found: dict[str, Any] = {}
        if query.step_kind:
            found[STEP_PARAMETER] = _setting_like("kind", query.step_kind)
        if query.profile:
            found[PROFILE_PARAMETER] = query.profile
            found[PROFILE_STEP_PARAMETER] = _setting_like("profile", query.profile)
        text = query.text.strip()
        if text:
            found.update(
                text_parameters(
                    self.db,
                    text,
                    scan=self._scan_text,
                    by_parts=by_parts,
                    by_position=by_position,
                    unasked=unasked,
                )
            )
        if among is not None:  # in place of the trigram table's match
            found.pop(TRIGRAMS_PARAMETER, None)
            found[AMONG_PARAMETER] = json.dumps(list(among))
        return found

    def _common_text_page(
        self, session: Session, query: ListQuery
    ) -> tuple[Sequence[Sequence[Any]], int, bool]:
        """The page of a common text, found by walking the sort's index and testing each row,
        and its total: exact up to TOTAL_CAP, else TOTAL_CAP and not exact. When the page's
        statuses are rare, its matches are counted from their own index, each entry's id looked
        up among the trigram table's matches set aside (a row is read only when it is there):
        read from the trigram table, most matches would be of other statuses, each read whole."""
        by_status = replace(query, text="", step_kind=None, profile=None)
        rare = (
            bool(query.statuses)
            and self._counted(by_status)
            and not self._common(session, by_status)
        )

        def statements() -> tuple[Select[Any], ScalarSelect[int]]:
            walked = self._filters(query, walk=True, like_only=True)
            if rare:
                capped = text_page.counted_up_to_any(self._filters(query, set_aside=True))
            else:
                capped = text_page.counted_up_to(query.text.strip(), walked)
            if query.sort in MERGED and query.statuses:
                return self._merged(query, like_only=True), capped
            return _sorted(query, walked), capped

        key = ("walked", self._shape(query), rare)
        unasked = self._unasked_trigrams(session, query.text.strip())
        values = self._values(query, unasked=unasked)
        return _with_capped_total(session, query, key, statements, values)

    def _postgres_text(self, query: ListQuery) -> bool:
        """Whether `query` need not count exactly and filters by a text PostgreSQL's trigram
        indexes serve."""
        text = query.text.strip()
        return (
            not query.exact_total
            and self.db.is_postgres
            and bool(text)
            and uses_index(self.db, text, scan=self._scan_text)
        )

    def _postgres_text_page(
        self, session: Session, query: ListQuery
    ) -> tuple[Sequence[Sequence[Any]], int, bool]:
        """A text-filtered page on PostgreSQL with its total exact up to TOTAL_CAP: the page
        walks the sort's index (a common text) or sorts the matches the trigram index finds (a
        rare one), and no more matches than that are counted. When the estimate
        (`_postgres_estimate`) says the matches are few enough to sort, they are read once,
        sorted for the page and counted exactly (the planner itself would walk the sort's index
        for them, testing fifty rows for each one it finds)."""
        plan = self._postgres_estimate(session, query)
        if plan is not None and not plan.worth_walking(query.offset + query.limit):
            rows, total = self._text_page(session, query, query.text.strip(), None)
            return rows, total, True

        if query.sort == "next_fire_at" and not query.descending and self._within_cap(query):
            # The index on next fire that holds kind, status and search_text (migration 0022)
            # yields the first matches in order without reading a row: the page is among them
            # and they are the capped count. Each entry walked is tested by the text's position.
            found = prepared.fetch(
                session,
                ("postgres-first", self._shape(query)),
                lambda: _matched_page(
                    query, self._filters(query, by_position=True), first=TOTAL_CAP + 1
                ),
                self._values(query, by_position=True),
            )
            if found:
                counted = int(found[0][-1])
                return [row[:-1] for row in found], min(counted, TOTAL_CAP), counted <= TOTAL_CAP

        def statements() -> tuple[Select[Any], ScalarSelect[int]]:
            where = self._filters(query)
            return _sorted(query, where), text_page.counted_up_to_any(where)

        key = ("postgres-text", self._shape(query))
        return _with_capped_total(session, query, key, statements, self._values(query))

    def _postgres_estimate(self, session: Session, query: ListQuery) -> text_page.Spread | None:
        """How many schedules `query` matches on PostgreSQL, estimated from the kept sample
        (no round trip), or by the planner when a step kind or profile narrows it too."""
        if query.step_kind is None and query.profile is None:
            return text_page.sampled(session, query.kind, query.statuses, query.text.strip())
        return text_page.planned(
            session,
            ("postgres-planned", self._shape(query)),
            lambda: select(Schedule.id).where(*self._filters(query)),
            self._values(query),
        )

    @staticmethod
    def _within_cap(query: ListQuery) -> bool:
        """Whether `query`'s page ends within the first TOTAL_CAP matches."""
        return query.offset + query.limit <= TOTAL_CAP

    def _common(
        self, session: Session, query: ListQuery, kept: kept_counts.Kept | None = None
    ) -> bool:
        """Whether a quarter or more of the live schedules match the page's kind and statuses
        (the kept counts say, `kept` when already read), so that a walk of the sort's index
        finds the page within a few of its entries; rarer ones are found by their own index and
        only they are sorted."""
        if not self._counted(query):
            return False
        kept = kept if kept is not None else kept_counts.read(session, self.db)
        everything = kept_counts.total(kept, None, frozenset())
        matched = kept_counts.total(kept, query.kind, query.statuses)
        return matched > 0 and matched * 4 >= everything

    def _counted(self, query: ListQuery) -> bool:
        """Whether the kept counts answer `query`'s total: only its kind and statuses narrow it."""
        return self.db.has_counts and not (query.text.strip() or query.step_kind or query.profile)

    def _merged(self, query: ListQuery, *, like_only: bool = False) -> Select[Any]:
        """A page by next fire time or by name that reads the (kind, status, next fire) or
        (kind, status, name) index: each kind and status walks its own part in order for no
        more entries than the page needs, and the parts are merged; only then are the page's
        rows read. Whatever the statistics say and however rare a status is, no page reads
        more than that (a walk of the whole sort's index looking for a rare status would, and
        sorting every row of a status reads them all)."""
        statuses = sorted(query.statuses) or [s.value for s in Status]
        kinds = [query.kind] if query.kind else list(KINDS)
        order = _order(query, Schedule)
        if len(statuses) == 1 and len(kinds) == 1:
            one = replace(query, statuses=frozenset(statuses), kind=kinds[0])
            return _sorted(query, self._filters(one, like_only=like_only))
        parts = [
            select(Schedule.id, getattr(Schedule, query.sort))
            .where(
                *self._filters(
                    replace(query, statuses=frozenset({status}), kind=kind), like_only=like_only
                )
            )
            .order_by(*order)
            .limit(min(query.offset + query.limit, LARGEST_ROW_COUNT))
            .subquery()
            for kind in kinds
            for status in statuses
        ]
        merged = union_all(*(select(part) for part in parts)).subquery("page")
        ids = (
            select(merged.c.id)
            .order_by(*_order(query, merged.c))
            .offset(query.offset)
            .limit(query.limit)
            .subquery("ids")
        )
        # The page's rows in its order: joined back by id and sorted as the ids were.
        return (
            select(*stored_columns())
            .join_from(ids, Schedule.__table__, ids.c.id == Schedule.id)
            .order_by(*order)
        )

    @staticmethod
    def _total(session: Session, where: Sequence[ColumnElement[bool]]) -> int:
        """How many schedules `where` matches, counted."""
        return session.scalar(select(func.count(Schedule.id)).where(*where)) or 0

    def counts(self, kind: str | None = "analyze") -> dict[str, int]:
        """How many live schedules stand in each status (every status present, zeros included)."""
        if self.db.has_counts:
            with self.db.read() as session:
                kept = kept_counts.read(session, self.db)
            return {s.value: kept_counts.total(kept, kind, frozenset({s.value})) for s in Status}
        where = list(self._live())
        if kind:
            where.append(Schedule.kind == kind)
        counted = (
            select(Schedule.status, func.count(Schedule.id)).where(*where).group_by(Schedule.status)
        )
        with self.db.read() as session:
            found = dict(session.execute(counted).all())
        return {s.value: int(found.get(s.value, 0) or 0) for s in Status}

    def next_due(self) -> tuple[int, datetime] | None:
        """The earliest Pending fire time: one probe of the partial due index."""
        return queue.next_due(self.db)

    def find(self, ids: Iterable[int]) -> Sequence[ScheduleInfo]:
        """The live schedules among `ids`, in id order."""
        with self.db.read() as session:
            rows = session.scalars(
                select(Schedule)
                .where(Schedule.id.in_(list(ids)), *self._live())
                .order_by(Schedule.id)
            ).all()
            return [ScheduleInfo.of(r) for r in rows]


def _sorted(query: ListQuery, where: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """The stored rows of `query`'s page among those `where` matches, in its order."""
    return (
        select(*stored_columns())
        .where(*where)
        .order_by(*_order(query, Schedule))
        .offset(query.offset)
        .limit(query.limit)
    )


def _order(query: ListQuery, columns: Any) -> list[ColumnElement[Any]]:
    """The page's ORDER BY over `columns` (the Schedule entity, or a subquery's columns)."""
    column = getattr(columns, query.sort)
    if query.sort == "status":  # by severity: what needs a person first
        column = case(
            {status.value: rank for rank, status in enumerate(SEVERITY)},
            value=columns.status,
            else_=len(SEVERITY),
        )
    ordered = column.desc() if query.descending else column.asc()
    order = [ordered, columns.id]
    if query.sort == "next_fire_at":
        order.insert(0, columns.next_fire_at.is_(None))
    return order


def _matched_page(
    query: ListQuery, where: Sequence[ColumnElement[bool]], *, first: int | None = None
) -> Select[Any]:
    """The page of `query` among the rows `where` matches, with how many match as a last
    column: the matches' ids and sort keys read once (materialized), sorted top-N for the page
    and counted, and only the page's rows joined back and read whole. With `first`, only the
    first that many matches in the page's order are read and counted."""
    keys = [Schedule.id] + ([getattr(Schedule, query.sort)] if query.sort != "id" else [])
    matches = select(*keys).where(*where)
    if first is not None:
        matches = matches.order_by(*_order(query, Schedule)).limit(first)
    matched = matches.cte("matched" if first is None else "first_matches")
    matched = matched.prefix_with("MATERIALIZED")
    counted = select(func.count()).select_from(matched).scalar_subquery()
    page = (
        select(*matched.c)
        .order_by(*_order(query, matched.c))
        .offset(query.offset)
        .limit(query.limit)
        .subquery("page")
    )
    return (
        select(*stored_columns(), counted.label("counted"))
        .select_from(LeftFirst(page, Schedule.__table__, page.c.id == Schedule.id))
        .order_by(*_order(query, page.c))
    )


def _with_capped_total(
    session: Session,
    query: ListQuery,
    key: tuple[Any, ...],
    statements: Callable[[], tuple[Select[Any], ScalarSelect[int]]],
    values: Mapping[str, Any],
) -> tuple[Sequence[Sequence[Any]], int, bool]:
    """The page's rows and its total, exact up to TOTAL_CAP (else TOTAL_CAP and not exact)
    and on the last page: the capped count rides along as a column, which the engines run
    once. `statements` makes the page's select and the capped count, compiled once for `key`
    and run with `values` for their named parameters."""

    def with_count() -> Select[Any]:
        page, capped = statements()
        return page.add_columns(capped.label("counted"))

    found = prepared.fetch(session, (*key, "page"), with_count, values)
    rows = [row[:-1] for row in found]
    if rows and len(rows) < query.limit:  # the last page: every match is before its end
        return rows, query.offset + len(rows), True
    if found:
        counted = int(found[0][-1])
    else:
        alone = prepared.fetch(session, (*key, "count"), lambda: select(statements()[1]), values)
        counted = int(alone[0][0])
    return rows, min(counted, TOTAL_CAP), counted <= TOTAL_CAP


def _all(session: Session, statement: Executable) -> Sequence[Sequence[Any]]:
    """The rows of a Core SELECT, run on the session's connection (no ORM result to build)."""
    return session.connection().execute(statement).all()


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _setting_like(key: str, value: str) -> str:
    """A LIKE pattern for a step setting `key: value` in a scenario stored by json.dumps."""
    return "%" + _like_escaped(f"{json.dumps(key)}: {json.dumps(value)}") + "%"


def _upstream_resolved(session: Session, spec: ScheduleSpec, own_id: int | None) -> ScheduleSpec:
    """The spec with its after trigger's upstream found by name (or id) and checked."""
    if not isinstance(spec.trigger, AfterTrigger):
        return spec
    trigger = after.resolve(session, spec.trigger, own_id)
    return spec.model_copy(update={"trigger": trigger})


def _columns(spec: ScheduleSpec) -> dict[str, Any]:
    """A spec as the schedule row's columns: its scenario, and the headline derived from it."""
    headline = spec.headline
    return {
        "name": spec.name,
        "trigger": spec.trigger,
        "timezone": spec.timezone,
        "scenario": spec.scenario.as_data(),
        "kind": headline.kind,
        "db_profile": headline.db_profile,
        "database": headline.database,
        "scope": list(headline.scope),
        "missed_policy": spec.missed_policy,
        "misfire_grace_s": spec.misfire_grace_s,
        "max_retries": spec.max_retries,
    }


def profiles_named(
    spec: ScheduleSpec,
) -> Iterator[tuple[str, ProfileTable, str, str]]:
    """(field, table, label, name) for every profile the scenario's steps name, once each. The
    lead analyze step's fields keep the analysis form's names (db_profile, llm_profile)."""
    seen: set[tuple[str, str]] = set()
    lead = first_analysis(spec.steps)
    for section in SECTIONS:
        for index, step in enumerate(spec.scenario.section(section)):
            where = f"{section}[{index + 1}]"
            named: list[tuple[str, ProfileTable, str, str | None]] = [
                ("profile", DbProfile, "DB", getattr(step, "profile", None)),
                ("llm_profile", LlmProfile, "LLM", getattr(step, "llm_profile", None)),
                ("mail_profile", MailProfile, "mail", getattr(step, "mail_profile", None)),
            ]
            for key, table, label, name in named:
                if not name or (label, name) in seen:
                    continue
                seen.add((label, name))
                field = f"{where}.{key}"
                if step is lead or (lead is None and key == "profile" and index == 0):
                    field = "db_profile" if key == "profile" else "llm_profile"
                yield field, table, label, name
