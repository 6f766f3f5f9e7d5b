"""The ORM tables. Schema changes go through migrations in `core/storage/migrations`."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates
from sqlalchemy.types import TypeDecorator

from core.schedules.policies import Kind, MissedPolicy
from core.schedules.triggers.model import AfterTrigger, Trigger, trigger_from_data, trigger_to_data
from core.storage.due_index import DUE_PREDICATE
from core.storage.utc import UTCDateTime
from core.text import NAME_KEY_MAX, name_key

# Room for a key the migration to 0006 had to make unique (the key, "\x1f" and the row id).
NAME_KEY_COLUMN = NAME_KEY_MAX + 40

LIVE_INSTANCE = "template_slug IS NOT NULL AND deleted_at IS NULL"


@lru_cache(maxsize=4096)
def _stored_trigger(items: tuple[tuple[str, Any], ...]) -> Trigger:
    # Stored triggers repeat a lot and validating a cron expression is costly; triggers are
    # immutable, so rows may share one.
    return trigger_from_data(dict(items))


class StoredTrigger(TypeDecorator[Trigger]):
    """A schedule's trigger: JSON in the database, a typed trigger everywhere else. The one
    place where a stored trigger becomes an object."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        return None if value is None else trigger_to_data(trigger_from_data(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Trigger | None:
        if value is None:
            return None
        if isinstance(value, dict):
            return _stored_trigger(tuple(sorted(value.items())))
        return trigger_from_data(value)


def _name_key_of_insert(context: DefaultExecutionContext) -> str:
    row = context.get_current_parameters()  # type: ignore[no-untyped-call]  # untyped upstream
    return name_key(row["name"])


class Base(DeclarativeBase):
    """Declarative base of every table the product owns."""

    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class DbProfile(Base):
    """A database to analyse: a SQLAlchemy URL whose password is only ever a reference."""

    __tablename__ = "db_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The name as names are compared (core.text.name_key), unique; null only while migrating.
    name_key: Mapped[str] = mapped_column(
        String(NAME_KEY_COLUMN), nullable=True, default=_name_key_of_insert
    )
    url: Mapped[str] = mapped_column(Text)
    sample_size: Mapped[int] = mapped_column(Integer, default=5)
    owner_email: Mapped[str | None] = mapped_column(String(320))
    labels: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]

    __table_args__ = (Index("uq_db_profiles_name_key", "name_key", unique=True),)


class LlmProfile(Base):
    """How to reach a language model; the API key is read from `api_key_env` at run time."""

    __tablename__ = "llm_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The name as names are compared (core.text.name_key), unique; null only while migrating.
    name_key: Mapped[str] = mapped_column(
        String(NAME_KEY_COLUMN), nullable=True, default=_name_key_of_insert
    )
    provider: Mapped[str] = mapped_column(String(40))
    model: Mapped[str | None] = mapped_column(String(200))
    base_url: Mapped[str | None] = mapped_column(Text)
    api_key_env: Mapped[str | None] = mapped_column(String(200))
    concurrency: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime]

    __table_args__ = (Index("uq_llm_profiles_name_key", "name_key", unique=True),)


class MailProfile(Base):
    """An SMTP server to send reports through; the password is read from `password_env`."""

    __tablename__ = "mail_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The name as names are compared (core.text.name_key), unique.
    name_key: Mapped[str] = mapped_column(String(NAME_KEY_COLUMN), default=_name_key_of_insert)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer)
    security: Mapped[str] = mapped_column(String(10))  # starttls | ssl | none
    username: Mapped[str | None] = mapped_column(String(255))
    password_env: Mapped[str | None] = mapped_column(String(200))  # a variable's name, not a secret
    from_address: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]

    __table_args__ = (Index("uq_mail_profiles_name_key", "name_key", unique=True),)


class Schedule(Base):
    """A trigger bound to a scenario of steps, and where it stands."""

    __tablename__ = "schedules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The name as names are compared (core.text.name_key); set on insert, and by the service
    # on a rename. Null only in a database being migrated.
    name_key: Mapped[str] = mapped_column(
        String(NAME_KEY_COLUMN), nullable=True, default=_name_key_of_insert
    )
    trigger: Mapped[Trigger] = mapped_column(StoredTrigger())
    # The schedule an after trigger runs after, kept from the trigger on every assignment: an
    # upstream's success finds its downstream schedules through this column's index.
    upstream_id: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    # The scenario (core.schedules.scenario): {"steps": [...], "on_failure": [...], ...}.
    scenario: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The headline, derived from the scenario on every save (core.schedules.headline): the page
    # it belongs to and the DB profile, database and scope that lists show and filter on.
    kind: Mapped[Kind] = mapped_column(String(20), default="analyze")
    db_profile: Mapped[str] = mapped_column(String(120))
    database: Mapped[str | None] = mapped_column(String(200))
    scope: Mapped[list[str]]
    status: Mapped[str] = mapped_column(String(12))
    next_fire_at: Mapped[datetime | None]
    missed_policy: Mapped[MissedPolicy] = mapped_column(String(10), default="ask")
    misfire_grace_s: Mapped[int] = mapped_column(Integer, default=60)
    max_retries: Mapped[int] = mapped_column(Integer, default=3)
    retry_count: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    missed_reason: Mapped[str | None] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # An instance of a template (core.schedules.templates): its slug, DB profile and parameters.
    template_slug: Mapped[str | None] = mapped_column(String(80))
    template_profile: Mapped[str | None] = mapped_column(String(120))
    template_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The next-due probe: one walk of this partial index, whatever the queue's size.
        Index(
            "ix_schedules_due",
            "next_fire_at",
            postgresql_where=text(DUE_PREDICATE),
            sqlite_where=text(DUE_PREDICATE),
        ),
        Index(
            "uq_schedules_live_name",
            "name",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # Names are unique after NFKC and case folding, enforced here so two writers cannot race.
        Index(
            "uq_schedules_live_name_key",
            "name_key",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # "(next_fire_at IS NULL), next_fire_at" is the list's sort: dated rows first, in order.
        # On SQLite the live schedules' ix_schedules_next_text serves it (migration 0025).
        Index("ix_schedules_next", text("(next_fire_at IS NULL)"), "next_fire_at").ddl_if(
            dialect="postgresql"
        ),
        # A page of one kind and status by next fire: a walk of its own part, however rare.
        Index(
            "ix_schedules_status_next",
            "kind",
            "status",
            text("(next_fire_at IS NULL)"),
            "next_fire_at",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        # The same by name (the id orders PostgreSQL's ties; live names are unique anyway); it
        # also finds a kind and status's live schedules for any other sort, and counts them.
        Index(
            "ix_schedules_status_name",
            "kind",
            "status",
            "name",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
        Index("ix_schedules_name", "name"),
        Index("ix_schedules_upstream", "upstream_id"),
        Index("ix_schedules_template", "template_slug"),
        # One live instance of a template per DB profile, whoever enables the cell at once.
        Index(
            "uq_schedules_template_profile",
            "template_slug",
            "template_profile",
            unique=True,
            postgresql_where=text(LIVE_INSTANCE),
            sqlite_where=text(LIVE_INSTANCE),
        ),
    )

    @validates("trigger")
    def _keep_upstream(self, _key: str, trigger: Trigger) -> Trigger:
        self.upstream_id = trigger.upstream_id if isinstance(trigger, AfterTrigger) else None
        return trigger


class Template(Base):
    """A scenario shape with parameters (core.schedules.templates), instantiated per DB profile."""

    __tablename__ = "templates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    # parameters, trigger, steps, on_failure, on_missed, missed_policy, retries, misfire_grace
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    default_enabled: Mapped[bool] = mapped_column(Boolean)
    builtin: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]


class Run(Base):
    """One attempt at one occurrence of a schedule (or an out-of-band run-now)."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id"))
    scheduled_for: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(12))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(12))
    worker_id: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    lease_s: Mapped[float | None]  # the claiming worker's lease length, in seconds
    summary: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    log: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("schedule_id", "scheduled_for", name="uq_runs_occurrence"),
        Index("ix_runs_schedule_created", "schedule_id", "id"),
        Index("ix_runs_status", "status"),
    )


class StepRun(Base):
    """One step of one run: how it went, and (for a step a retry did not run again) the run
    whose success it carries."""

    __tablename__ = "step_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    section: Mapped[str] = mapped_column(String(12))  # steps | on_failure | on_missed
    position: Mapped[int] = mapped_column(Integer)  # from 0, within its section
    kind: Mapped[str] = mapped_column(String(24))
    label: Mapped[str] = mapped_column(String(120))
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the step's settings
    status: Mapped[str] = mapped_column(String(12))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None]
    carried_from: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("run_id", "section", "position", name="uq_step_runs_place"),
        Index("ix_step_runs_kind", "kind", "run_id"),
    )


class RunLogLine(Base):
    """One line of a run's log (progress, warnings, errors), written as the run goes."""

    __tablename__ = "run_log_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    step_run_id: Mapped[int | None] = mapped_column(Integer)  # the step that wrote it, if any
    at: Mapped[datetime]
    level: Mapped[str] = mapped_column(String(8))  # info | warning | error
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_run_log_lines_run", "run_id", "id"),)


class ApiToken(Base):
    """A bearer token of the HTTP API: only the SHA-256 of the secret is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    read_only: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_api_tokens_live_name",
            "name",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
            sqlite_where=text("revoked_at IS NULL"),
        ),
    )


class Worker(Base):
    """A daemon's heartbeat row."""

    __tablename__ = "workers"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    current_run_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(40))
    stopped_at: Mapped[datetime | None]
    clock_skew_s: Mapped[float | None]  # this host's clock minus the database server's


class CatalogEntry(Base):
    """One cached catalog listing: the children of `parent` in a DB profile's database."""

    __tablename__ = "catalog_cache"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile: Mapped[str] = mapped_column(String(120))
    parent: Mapped[str] = mapped_column(Text)  # JSON list of the parent path's names
    nodes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    fetched_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("profile", "parent", name="uq_catalog_parent"),)


class Proposal(Base):
    """A value an analysis run suggests for one field of one table or column."""

    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    schedule_id: Mapped[int] = mapped_column(Integer)
    profile: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(String(10))  # table | column
    field: Mapped[str] = mapped_column(String(20))  # description | tags
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float]
    evidence: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # pending | accepted | applied | rejected
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_proposals_run", "run_id"),
        Index("ix_proposals_status", "status", "id"),
    )


class Annotation(Base):
    """The current value of one field of one table or column, and who wrote it."""

    __tablename__ = "annotations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))  # llm | human
    run_id: Mapped[int | None] = mapped_column(Integer)
    proposal_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("profile", "path", "field", name="uq_annotation_field"),)


class AnnotationChange(Base):
    """One change to an annotation, so a whole run can be undone."""

    __tablename__ = "annotation_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(20))
    old_value: Mapped[str | None] = mapped_column(Text)
    old_source: Mapped[str | None] = mapped_column(String(10))
    new_value: Mapped[str | None] = mapped_column(Text)
    new_source: Mapped[str] = mapped_column(String(10))
    run_id: Mapped[int | None] = mapped_column(Integer)
    proposal_id: Mapped[int | None] = mapped_column(Integer)
    changed_at: Mapped[datetime]
    undone_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_history_run", "run_id"),)


class AnnotationRevision(Base):
    """A snapshot of one table's annotations (its own fields and its columns'), numbered per
    table, so people can see how they changed and restore an earlier one."""

    __tablename__ = "annotation_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(Text)  # database.schema.table
    revision: Mapped[int] = mapped_column(Integer)  # from 1, per profile and table
    snapshot: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(String(64))  # of the snapshot: unchanged tables skip
    change_note: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(Integer)  # the run that made it, if any

    __table_args__ = (
        UniqueConstraint("profile", "path", "revision", name="uq_annotation_revision"),
    )
