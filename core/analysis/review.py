"""Proposals, the annotations store with its history, the review queue, undo and export."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.catalog.metadata import TableAnnotation, TableMeta
from core.catalog.scope import format_path
from core.clock import Clock
from core.errors import Conflict, InvalidInput, NotFound
from core.schedules.outcome import hold_claim
from core.storage.engine import Database
from core.storage.tables import Annotation, AnnotationChange, Proposal

Field = Literal["description", "tags"]
FIELDS: tuple[Field, ...] = ("description", "tags")


class ProposalInfo(BaseModel):
    """One proposal as front ends show it."""

    model_config = ConfigDict(frozen=True)
    id: int
    run_id: int
    schedule_id: int
    profile: str
    path: str
    target: str
    field: str
    old_value: str | None
    new_value: str
    confidence: float
    evidence: str | None
    status: str
    note: str | None
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, row: Proposal) -> ProposalInfo:
        """The view of a stored proposal."""
        return cls.model_validate(row, from_attributes=True)


class ProposalPage(BaseModel):
    """A page of proposals and how many matched."""

    model_config = ConfigDict(frozen=True)
    items: list[ProposalInfo]
    total: int


class UndoReport(BaseModel):
    """What undoing a run restored and what it left because someone changed it since."""

    model_config = ConfigDict(frozen=True)
    restored: int
    kept: list[str]


def tags_text(tags: Iterable[str]) -> str:
    """The stored form of a tag list: sorted, unique, JSON."""
    return json.dumps(sorted({t.strip() for t in tags if t.strip()}))


def show_value(field: str, value: str | None) -> str:
    """A stored value as people read it."""
    if value is None:
        return "—"
    if field == "tags":
        return ", ".join(json.loads(value)) or "(no tags)"
    return value


class ReviewService:
    """Turns annotations into proposals, applies them, and undoes whole runs."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # -- recording a run's results ------------------------------------------------------------

    def record(
        self,
        *,
        run_id: int,
        schedule_id: int,
        profile: str,
        table: TableMeta,
        annotation: TableAnnotation,
        auto: bool,
        evidence: str = "",
    ) -> tuple[int, int]:
        """Store the proposals for one table; with `auto`, apply those no person wrote.

        Returns (proposals made, proposals applied). Raises ClaimLost, writing nothing, once
        the run is no longer this writer's (recovered as lost, or its lease ran out).
        """
        with self.db.write() as session:
            hold_claim(session, run_id, self.clock.now())
            return self.record_in(
                session,
                run_id=run_id,
                schedule_id=schedule_id,
                profile=profile,
                table=table,
                annotation=annotation,
                auto=auto,
                evidence=evidence,
            )

    def record_in(
        self,
        session: Session,
        *,
        run_id: int,
        schedule_id: int,
        profile: str,
        table: TableMeta,
        annotation: TableAnnotation,
        auto: bool,
        evidence: str = "",
    ) -> tuple[int, int]:
        """`record` inside a transaction the caller holds (under the run's claim)."""
        parts = (table.database or "default", table.schema, table.name)
        base = format_path(parts)
        wanted: list[tuple[str, str, Field, str, float, str | None]] = [
            (
                base,
                "table",
                "description",
                annotation.description,
                annotation.confidence,
                table.comment,
            ),
            (base, "table", "tags", tags_text(annotation.tags), annotation.confidence, None),
        ]
        comments = {c.name: c.comment for c in table.columns}
        for column in annotation.columns:
            if column.name not in comments:
                continue
            path = format_path((*parts, column.name))
            wanted.append(
                (
                    path,
                    "column",
                    "description",
                    column.description,
                    column.confidence,
                    comments[column.name],
                )
            )
            wanted.append((path, "column", "tags", tags_text(column.tags), column.confidence, None))
        made = applied = 0
        now = self.clock.now()
        for path, target, field, value, confidence, comment in wanted:
            current = self._current(session, profile, path, field)
            old = current.value if current else comment
            if value == old or (field == "tags" and value == "[]" and old is None):
                continue
            proposal = Proposal(
                run_id=run_id,
                schedule_id=schedule_id,
                profile=profile,
                path=path,
                target=target,
                field=field,
                old_value=old,
                new_value=value,
                confidence=round(confidence, 3),
                evidence=evidence or None,
                status="pending",
                created_at=now,
            )
            session.add(proposal)
            session.flush()
            made += 1
            if not auto:
                continue
            if current is not None and current.source == "human":
                proposal.note = "a person wrote the current value; review before replacing it"
                continue
            self._apply(session, proposal, value, "llm", now)
            proposal.status = "applied"
            proposal.decided_at = now
            applied += 1
        return made, applied

    # -- the queue ------------------------------------------------------------------------------

    def queue(
        self,
        *,
        run_id: int | None = None,
        status: str | None = "pending",
        offset: int = 0,
        limit: int = 200,
    ) -> ProposalPage:
        """Proposals, oldest run first, grouped by run then path."""
        if limit < 1 or offset < 0:
            raise InvalidInput("limit", "limit must be at least 1 and offset at least 0.")
        where = []
        if run_id is not None:
            where.append(Proposal.run_id == run_id)
        if status:
            where.append(Proposal.status == status)
        with self.db.read() as session:
            rows = session.scalars(
                select(Proposal)
                .where(*where)
                .order_by(Proposal.run_id, Proposal.path, Proposal.field, Proposal.id)
                .offset(offset)
                .limit(limit)
            ).all()
            total = session.scalar(select(func.count(Proposal.id)).where(*where)) or 0
            return ProposalPage(items=[ProposalInfo.of(r) for r in rows], total=total)

    def get(self, proposal_id: int) -> ProposalInfo:
        """One proposal, or NotFound."""
        with self.db.read() as session:
            return ProposalInfo.of(self._proposal(session, proposal_id))

    def accept(self, ids: Sequence[int]) -> list[ProposalInfo]:
        """Apply pending proposals to the annotations store, each exactly once, all in one
        transaction: one that cannot be accepted leaves every one pending."""
        return self._decide_all(ids, "accepted")

    def accept_run(self, run_id: int) -> list[ProposalInfo]:
        """Accept every pending proposal of a run."""
        with self.db.read() as session:
            ids = session.scalars(
                select(Proposal.id).where(Proposal.run_id == run_id, Proposal.status == "pending")
            ).all()
        if not ids:
            raise NotFound(
                f"run {run_id} has no pending proposals; they may have been reviewed already.",
                field="proposal",
            )
        return self.accept(ids)

    def reject(self, ids: Sequence[int]) -> list[ProposalInfo]:
        """Mark pending proposals rejected, all or none; nothing is applied."""
        return self._decide_all(ids, "rejected")

    def edit(self, proposal_id: int, value: str) -> ProposalInfo:
        """Accept a proposal with a value a person edited (it counts as the person's)."""
        value = value.strip()
        if not value:
            raise InvalidInput("value", "the edited value is empty; give the text to store.")
        return self._decide(proposal_id, "accepted", value)

    def _decide(self, proposal_id: int, outcome: str, edited: str | None) -> ProposalInfo:
        with self.db.write() as session:
            return self._decide_in(session, proposal_id, outcome, edited, self.clock.now())

    def _decide_all(self, ids: Sequence[int], outcome: str) -> list[ProposalInfo]:
        now = self.clock.now()
        with self.db.write() as session:
            return [self._decide_in(session, i, outcome, None, now) for i in ids]

    def _decide_in(
        self, session: Session, proposal_id: int, outcome: str, edited: str | None, now: datetime
    ) -> ProposalInfo:
        row = self._proposal(session, proposal_id)
        value = edited if edited is None or row.field != "tags" else tags_text(edited.split(","))
        # Compare-and-set: a proposal leaves "pending" once, whoever gets there first.
        changed = session.execute(
            update(Proposal)
            .where(Proposal.id == proposal_id, Proposal.status == "pending")
            .values(status=outcome, decided_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]
        if changed != 1:
            raise Conflict(
                f"proposal {proposal_id} is {row.status} already; only pending proposals "
                "can be accepted, edited or rejected."
            )
        session.refresh(row)
        if outcome == "accepted":
            source = "human" if edited is not None else "llm"
            self._apply(session, row, value if value is not None else row.new_value, source, now)
            if edited is not None:
                row.note = "accepted with an edited value"
        return ProposalInfo.of(row)

    # -- the annotations store ------------------------------------------------------------------

    def set_value(self, profile: str, path: str, field: Field, value: str) -> None:
        """A person writes a value directly."""
        stored = tags_text(value.split(",")) if field == "tags" else value.strip()
        with self.db.write() as session:
            self._write(
                session, profile, path, field, stored, "human", None, None, self.clock.now()
            )

    def edit_in(
        self, session: Session, profile: str, path: str, field: str, value: str | None
    ) -> None:
        """A person's edit inside a transaction the caller holds, recorded in the history like
        `set_value`; `value` None removes the field (stored form: tags as `tags_text`)."""
        now = self.clock.now()
        if value is not None:
            self._write(session, profile, path, field, value, "human", None, None, now)
            return
        current = self._current(session, profile, path, field)
        if current is None:
            return
        session.add(
            AnnotationChange(
                profile=profile,
                path=path,
                field=field,
                old_value=current.value,
                old_source=current.source,
                new_value=None,
                new_source="human",
                changed_at=now,
            )
        )
        session.delete(current)
        session.flush()

    def current(self, profile: str) -> dict[str, dict[str, Any]]:
        """{path: {"description": str, "tags": [..]}} for one profile."""
        found: dict[str, dict[str, Any]] = defaultdict(dict)
        with self.db.read() as session:
            for row in session.scalars(
                select(Annotation).where(Annotation.profile == profile).order_by(Annotation.path)
            ):
                found[row.path][row.field] = (
                    json.loads(row.value) if row.field == "tags" else row.value
                )
                found[row.path]["source:" + row.field] = row.source
        return dict(found)

    def undo_run(self, run_id: int) -> UndoReport:
        """Restore what a run changed, newest change first; later edits by others are kept."""
        now = self.clock.now()
        restored, kept = 0, []
        with self.db.write() as session:
            changes = session.scalars(
                select(AnnotationChange)
                .where(AnnotationChange.run_id == run_id, AnnotationChange.undone_at.is_(None))
                .order_by(AnnotationChange.id.desc())
            ).all()
            if not changes:
                raise NotFound(f"run {run_id} changed no annotations, so there is nothing to undo.")
            for change in changes:
                current = self._current(session, change.profile, change.path, change.field)
                if current is None or current.value != change.new_value:
                    kept.append(f"{change.path} {change.field}")
                    continue
                if change.old_value is None:
                    session.delete(current)
                else:
                    current.value = change.old_value
                    current.source = change.old_source or "llm"
                    current.updated_at = now
                change.undone_at = now
                restored += 1
            session.execute(
                update(Proposal)
                .where(Proposal.run_id == run_id, Proposal.status.in_(("applied", "accepted")))
                .values(status="undone", decided_at=now)
                .execution_options(synchronize_session=False)
            )
        return UndoReport(restored=restored, kept=kept)

    def _apply(
        self, session: Session, proposal: Proposal, value: str, source: str, now: datetime
    ) -> None:
        self._write(
            session,
            proposal.profile,
            proposal.path,
            proposal.field,
            value,
            source,
            proposal.run_id,
            proposal.id,
            now,
        )

    def _write(
        self,
        session: Session,
        profile: str,
        path: str,
        field: str,
        value: str,
        source: str,
        run_id: int | None,
        proposal_id: int | None,
        now: datetime,
    ) -> None:
        current = self._current(session, profile, path, field)
        session.add(
            AnnotationChange(
                profile=profile,
                path=path,
                field=field,
                old_value=current.value if current else None,
                old_source=current.source if current else None,
                new_value=value,
                new_source=source,
                run_id=run_id,
                proposal_id=proposal_id,
                changed_at=now,
            )
        )
        if current is None:
            session.add(
                Annotation(
                    profile=profile,
                    path=path,
                    field=field,
                    value=value,
                    source=source,
                    run_id=run_id,
                    proposal_id=proposal_id,
                    updated_at=now,
                )
            )
        else:
            current.value, current.source = value, source
            current.run_id, current.proposal_id, current.updated_at = run_id, proposal_id, now
        session.flush()

    def _current(self, session: Session, profile: str, path: str, field: str) -> Annotation | None:
        return session.scalar(
            select(Annotation).where(
                Annotation.profile == profile, Annotation.path == path, Annotation.field == field
            )
        )

    def _proposal(self, session: Session, proposal_id: int) -> Proposal:
        row = session.get(Proposal, proposal_id)
        if row is None:
            raise NotFound(
                f"no proposal with id {proposal_id}; take the id from the review queue.",
                field="proposal",
            )
        return row
