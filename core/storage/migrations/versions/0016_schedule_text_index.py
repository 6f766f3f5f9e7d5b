"""schedule text index: the list's text filter (name or scope contains) reads an index

SQLite: an FTS5 trigram table `schedule_text` over the name and scope of each live schedule
(rowid = schedules.id), kept in step by triggers and filled from the existing rows.
PostgreSQL: GIN trigram indexes (pg_trgm) on the name and on the scope as text; where the
extension may not be created the upgrade goes on without them and the filter keeps scanning.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

log = logging.getLogger("amx.storage")

# Only rows whose deleted_at is null are in the index: a soft delete takes a row out, an undo
# puts it back. The update trigger fires only when a searched column or deleted_at is set.
# A later upgrade that rebuilds the schedules table (batch mode) drops these triggers and must
# create them again; until then the filter scans (Database.has_text_index).
SQLITE_UP = [
    "CREATE VIRTUAL TABLE schedule_text USING fts5(name, scope, content='schedules', "
    "content_rowid='id', tokenize='trigram case_sensitive 0')",
    "CREATE TRIGGER schedule_text_insert AFTER INSERT ON schedules "
    "WHEN new.deleted_at IS NULL BEGIN "
    "INSERT INTO schedule_text (rowid, name, scope) VALUES (new.id, new.name, new.scope); END",
    "CREATE TRIGGER schedule_text_delete AFTER DELETE ON schedules "
    "WHEN old.deleted_at IS NULL BEGIN "
    "INSERT INTO schedule_text (schedule_text, rowid, name, scope) "
    "VALUES ('delete', old.id, old.name, old.scope); END",
    "CREATE TRIGGER schedule_text_update AFTER UPDATE OF name, scope, deleted_at ON schedules "
    "BEGIN "
    "INSERT INTO schedule_text (schedule_text, rowid, name, scope) "
    "SELECT 'delete', old.id, old.name, old.scope WHERE old.deleted_at IS NULL; "
    "INSERT INTO schedule_text (rowid, name, scope) "
    "SELECT new.id, new.name, new.scope WHERE new.deleted_at IS NULL; END",
    "INSERT INTO schedule_text (rowid, name, scope) "
    "SELECT id, name, scope FROM schedules WHERE deleted_at IS NULL",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS schedule_text_update",
    "DROP TRIGGER IF EXISTS schedule_text_delete",
    "DROP TRIGGER IF EXISTS schedule_text_insert",
    "DROP TABLE IF EXISTS schedule_text",
]
# The scope index's expression is the filter's `CAST(scope AS TEXT)`, or the planner skips it.
POSTGRES_UP = [
    "CREATE INDEX ix_schedules_name_trgm ON schedules USING gin (name gin_trgm_ops)",
    "CREATE INDEX ix_schedules_scope_trgm ON schedules "
    "USING gin ((CAST(scope AS TEXT)) gin_trgm_ops)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_schedules_scope_trgm",
    "DROP INDEX IF EXISTS ix_schedules_name_trgm",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        try:
            with bind.begin_nested():
                for statement in SQLITE_UP:
                    bind.exec_driver_sql(statement)
        except DBAPIError as exc:  # an SQLite built without FTS5 or its trigram tokenizer
            log.warning(
                "schedule text index not created (%s); the text filter scans", _first_line(exc)
            )
        return
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as exc:  # no privilege, or the extension is not installed
        log.warning("pg_trgm not available (%s); the text filter scans", _first_line(exc))
        return
    for statement in POSTGRES_UP:
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for statement in SQLITE_DOWN if bind.dialect.name == "sqlite" else POSTGRES_DOWN:
        bind.exec_driver_sql(statement)


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0]
