"""Annotation revisions: numbered snapshots of each table's annotations, made by
snapshot_annotations steps, listed per table and restored as a person's edits."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.analysis.annotated import AnnotatedTable, current_in, fields_of, group_tables
from core.analysis.review import ReviewService, show_value, tags_text
from core.catalog.scope import format_path, parse_path
from core.clock import Clock
from core.errors import InvalidInput, NotFound
from core.storage.engine import Database
from core.storage.tables import AnnotationRevision

COUNTS = ("snapshotted", "skipped_recent", "unchanged", "left_over")


class RevisionInfo(BaseModel):
    """One stored revision of one table's annotations."""

    model_config = ConfigDict(frozen=True)
    id: int
    profile: str
    path: str
    revision: int
    snapshot: dict[str, Any]
    change_note: str | None
    author: str
    created_at: datetime
    run_id: int | None

    @classmethod
    def of(cls, row: AnnotationRevision) -> RevisionInfo:
        """The view of a stored revision."""
        return cls.model_validate(row, from_attributes=True)


class FieldChange(BaseModel):
    """One field a restore changes, its values as people read them."""

    model_config = ConfigDict(frozen=True)
    path: str
    field: str
    old: str
    new: str


class RestoreReport(BaseModel):
    """What restoring a revision changed (or, dry, would change)."""

    model_config = ConfigDict(frozen=True)
    profile: str
    path: str
    revision: int
    dry_run: bool
    changes: list[FieldChange]
    # The revision that kept the annotations as they were before the restore, if one was made.
    saved_as: int | None = None


@dataclass
class SnapshotPlan:
    """Which tables a snapshot takes, the counts it reports, and the write that stores it."""

    counts: dict[str, int]
    tables: list[AnnotatedTable] = field(default_factory=list)
    write: Callable[[Session], dict[str, Any] | None] = lambda _session: None


def digest(snapshot: dict[str, Any]) -> str:
    """A stable digest of a snapshot, to tell an unchanged table."""
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class RevisionService:
    """Snapshots, history and restores of annotation revisions."""

    def __init__(self, db: Database, clock: Clock, review: ReviewService) -> None:
        self.db = db
        self.clock = clock
        self.review = review

    def plan(
        self,
        profile: str,
        *,
        database: str | None = None,
        scope: Sequence[str] = (),
        skip_hours: float = 12,
        max_tables: int = 500,
        change_note: str | None = None,
        author: str = "amx",
        run_id: int | None = None,
    ) -> SnapshotPlan:
        """Choose the tables to snapshot: not snapshotted within `skip_hours`, changed since
        their last revision, at most `max_tables`, the longest unsnapshotted first."""
        now = self.clock.now()
        since = now - timedelta(hours=skip_hours)
        with self.db.read() as session:
            tables = group_tables(current_in(session, profile), database=database, scope=scope)
            latest = _latest(session, profile)
        counts = dict.fromkeys(COUNTS, 0)
        due: list[tuple[datetime | None, AnnotatedTable]] = []
        for table in tables:
            last = latest.get(table.path)
            if last is not None and last.created_at > since:
                counts["skipped_recent"] += 1
            elif last is not None and last.digest == digest(table.snapshot()):
                counts["unchanged"] += 1
            else:
                due.append((last.created_at if last else None, table))
        due.sort(key=lambda item: (item[0] is not None, item[0] or now, item[1].path))
        chosen = [table for _, table in due[:max_tables]]
        counts["snapshotted"] = len(chosen)
        counts["left_over"] = len(due) - len(chosen)

        def write(session: Session) -> dict[str, Any] | None:
            for table in chosen:
                _add(session, profile, table, change_note, author, run_id, now)
            return None

        return SnapshotPlan(counts, chosen, write)

    def snapshot(self, profile: str, **options: Any) -> dict[str, int]:
        """Plan and store a snapshot at once; returns its counts."""
        plan = self.plan(profile, **options)
        with self.db.write() as session:
            plan.write(session)
        return plan.counts

    def history(self, profile: str, table: str) -> list[RevisionInfo]:
        """A table's revisions, newest first; the table as [database.]schema.table."""
        with self.db.read() as session:
            path = _table_path(session, profile, table)
            rows = session.scalars(
                select(AnnotationRevision)
                .where(AnnotationRevision.profile == profile, AnnotationRevision.path == path)
                .order_by(AnnotationRevision.revision.desc())
            ).all()
            return [RevisionInfo.of(row) for row in rows]

    def restore(
        self, profile: str, table: str, revision: int, *, dry_run: bool = False
    ) -> RestoreReport:
        """Make a table's annotations those of `revision`, as a person's edits (recorded in
        the annotation history); the state before is kept as a new revision first, so a
        restore can itself be restored away. `dry_run` only reports the changes."""
        with self.db.write() as session:
            path = _table_path(session, profile, table)
            row = session.scalar(
                select(AnnotationRevision).where(
                    AnnotationRevision.profile == profile,
                    AnnotationRevision.path == path,
                    AnnotationRevision.revision == revision,
                )
            )
            if row is None:
                raise NotFound(
                    f"table {path} of profile {profile!r} has no revision {revision}; "
                    f"see `amx annotations history {profile} {path}`.",
                    field="revision",
                )
            now_table = _table_now(session, profile, path)
            before = {(p, f): v for p, f, v in fields_of(now_table.snapshot(), path)}
            after = {(p, f): v for p, f, v in fields_of(row.snapshot, path)}
            changes = [
                FieldChange(
                    path=p,
                    field=f,
                    old=_shown(f, before.get((p, f))),
                    new=_shown(f, after.get((p, f))),
                )
                for p, f in sorted(set(before) | set(after))
                if before.get((p, f)) != after.get((p, f))
            ]
            saved_as = None
            if not dry_run and changes:
                latest = _latest(session, profile).get(path)
                if latest is None or latest.digest != digest(now_table.snapshot()):
                    saved_as = _add(
                        session, profile, now_table, f"before restoring revision {revision}",
                        "amx", None, self.clock.now(),
                    )  # fmt: skip
                for change in changes:
                    value = after.get((change.path, change.field))
                    self.review.edit_in(
                        session, profile, change.path, change.field, _stored(change.field, value)
                    )
            if dry_run:
                session.rollback()
        return RestoreReport(
            profile=profile,
            path=path,
            revision=revision,
            dry_run=dry_run,
            changes=changes,
            saved_as=saved_as,
        )


@dataclass(frozen=True)
class _Last:
    revision: int
    digest: str
    created_at: datetime


def _latest(session: Session, profile: str) -> dict[str, _Last]:
    """Each table's newest revision in a profile."""
    newest = (
        select(AnnotationRevision.path, func.max(AnnotationRevision.revision).label("top"))
        .where(AnnotationRevision.profile == profile)
        .group_by(AnnotationRevision.path)
        .subquery()
    )
    rows = session.execute(
        select(
            AnnotationRevision.path,
            AnnotationRevision.revision,
            AnnotationRevision.digest,
            AnnotationRevision.created_at,
        )
        .join(
            newest,
            and_(
                AnnotationRevision.path == newest.c.path,
                AnnotationRevision.revision == newest.c.top,
            ),
        )
        .where(AnnotationRevision.profile == profile)
    )
    return {r.path: _Last(r.revision, r.digest, r.created_at) for r in rows}


def _add(
    session: Session,
    profile: str,
    table: AnnotatedTable,
    change_note: str | None,
    author: str,
    run_id: int | None,
    now: datetime,
) -> int:
    """Store the next revision of `table`; returns its number."""
    top = session.scalar(
        select(func.max(AnnotationRevision.revision)).where(
            AnnotationRevision.profile == profile, AnnotationRevision.path == table.path
        )
    )
    snapshot = table.snapshot()
    number = (top or 0) + 1
    session.add(
        AnnotationRevision(
            profile=profile,
            path=table.path,
            revision=number,
            snapshot=snapshot,
            digest=digest(snapshot),
            change_note=change_note,
            author=author,
            created_at=now,
            run_id=run_id,
        )
    )
    session.flush()
    return number


def _table_now(session: Session, profile: str, path: str) -> AnnotatedTable:
    database, schema, name = parse_path(path)
    found = group_tables(
        current_in(session, profile), database=database, scope=[format_path((schema, name))]
    )
    return found[0] if found else AnnotatedTable(database, schema, name)


def _table_path(session: Session, profile: str, table: str) -> str:
    """The stored path of a table named [database.]schema.table in a profile's revisions."""
    parts = parse_path(table)
    if len(parts) == 3:
        return format_path(parts)
    if len(parts) != 2:
        raise InvalidInput(
            "table", f"{table!r} names no table; write schema.table or database.schema.table."
        )
    suffix = "." + format_path(parts)
    found = session.scalars(
        select(AnnotationRevision.path)
        .where(
            AnnotationRevision.profile == profile,
            AnnotationRevision.path.endswith(suffix, autoescape=True),
        )
        .distinct()
    )
    paths = sorted(p for p in found if parse_path(p)[1:] == parts)
    if len(paths) > 1:
        raise InvalidInput(
            "table",
            f"{table!r} is in more than one database of profile {profile!r} "
            f"({', '.join(paths)}); write database.schema.table.",
        )
    if not paths:
        raise NotFound(
            f"profile {profile!r} has no revisions of table {table}; a snapshot_annotations "
            "step makes them.",
            field="table",
        )
    return paths[0]


def _shown(field: str, value: Any) -> str:
    if value is None:
        return "—"
    return show_value(field, json.dumps(value) if field == "tags" else str(value))


def _stored(field: str, value: Any) -> str | None:
    if value is None:
        return None
    return tags_text(value) if field == "tags" else str(value)
