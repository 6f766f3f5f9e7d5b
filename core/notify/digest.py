"""What a run's report holds: the run's steps, new PII findings, the review queue and the data
dictionary of a scope, read from the store as plain data for the renderer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from core.storage.engine import Database
from core.storage.tables import Annotation, Proposal, StepRun

LIMIT = 200  # rows per section; the report says how many more there are
_SECTION_ORDER = {"steps": 0, "on_failure": 1, "on_missed": 2}


@dataclass(frozen=True)
class StepLine:
    """One finished step of the run."""

    label: str
    kind: str
    status: str
    detail: str


@dataclass(frozen=True)
class Finding:
    """Personal data an analysis of this run tagged on a column."""

    path: str
    tags: list[str]
    status: str


@dataclass(frozen=True)
class PendingProposal:
    """A proposal waiting for a person."""

    path: str
    field: str
    value: str
    confidence: float


@dataclass(frozen=True)
class Entry:
    """One table or column of the data dictionary."""

    path: str
    description: str
    tags: list[str]


@dataclass
class Digest:
    """Everything a report may show; the renderer shows the chosen sections."""

    schedule: str
    schedule_id: int
    run_id: int
    status: str  # succeeded | failed | missed
    sections: list[str]
    profile: str | None
    error: str | None = None
    note: str | None = None
    steps: list[StepLine] = field(default_factory=list)
    pii: list[Finding] = field(default_factory=list)
    review: list[PendingProposal] = field(default_factory=list)
    review_total: int = 0
    dictionary: list[Entry] = field(default_factory=list)
    dictionary_total: int = 0


def _tags(value: str | None) -> list[str]:
    try:
        found = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(t) for t in found] if isinstance(found, list) else []


def _detail(row: StepRun) -> str:
    if row.error:
        return row.error
    summary: dict[str, Any] = row.summary or {}
    shown = [f"{k}: {v}" for k, v in summary.items() if isinstance(v, int | float | str)]
    return ", ".join(shown[:6])


def in_scope(path: str, scope: list[str]) -> bool:
    """Whether an annotation's path (database first) lies in the scope (everything when the
    scope is empty)."""
    if not scope or "*" in scope:
        return True
    # Stored paths lead with their database; scopes are written within one.
    within = path.partition(".")[2]
    return any(p == s or p.startswith(s + ".") for s in scope for p in (path, within) if p)


def gather(
    db: Database,
    digest: Digest,
    scope: list[str],
    own_step: int | None = None,
) -> Digest:
    """Fill `digest` with what its sections need from the store."""
    with db.read() as session:
        if "summary" in digest.sections:
            rows = session.scalars(
                select(StepRun).where(StepRun.run_id == digest.run_id, StepRun.id != own_step)
            ).all()
            rows = sorted(rows, key=lambda r: (_SECTION_ORDER.get(r.section, 9), r.position))
            digest.steps = [
                StepLine(r.label, r.kind, r.status, _detail(r))
                for r in rows
                if r.status != "running"
            ]
        if "pii" in digest.sections:
            for row in session.scalars(
                select(Proposal)
                .where(Proposal.run_id == digest.run_id, Proposal.field == "tags")
                .order_by(Proposal.path)
            ):
                pii = [t for t in _tags(row.new_value) if t.startswith("pii:")]
                if pii:
                    digest.pii.append(Finding(row.path, pii, row.status))
        if "review" in digest.sections and digest.profile:
            pending = (Proposal.status == "pending", Proposal.profile == digest.profile)
            digest.review_total = (
                session.scalar(select(func.count(Proposal.id)).where(*pending)) or 0
            )
            digest.review = [
                PendingProposal(
                    r.path,
                    r.field,
                    ", ".join(_tags(r.new_value)) if r.field == "tags" else r.new_value,
                    r.confidence,
                )
                for r in session.scalars(
                    select(Proposal).where(*pending).order_by(Proposal.path, Proposal.id)
                    .limit(LIMIT)
                )
            ]  # fmt: skip
        if "dictionary" in digest.sections and digest.profile:
            entries: dict[str, dict[str, Any]] = {}
            for note in session.scalars(
                select(Annotation)
                .where(Annotation.profile == digest.profile)
                .order_by(Annotation.path)
            ):
                if in_scope(note.path, scope):
                    entries.setdefault(note.path, {})[note.field] = note.value
            digest.dictionary_total = len(entries)
            digest.dictionary = [
                Entry(path, values.get("description", ""), _tags(values.get("tags")))
                for path, values in list(entries.items())[:LIMIT]
            ]
    return digest
