"""schedule counts: how many live schedules stand in each kind and status, kept by triggers

SQLite only: the table `schedule_counts` (kind, status, n) answers the chips' counts and an
unfiltered page's total without reading every row. Triggers keep it in step with every write,
whichever process makes it; SQLite has one writer at a time, so the few rows never make writers
wait on each other. PostgreSQL keeps counting its index, as concurrent writers there would queue
on these rows.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ADD = (
    "INSERT INTO schedule_counts (kind, status, n) SELECT {row}.kind, {row}.status, 1 "
    "WHERE {row}.deleted_at IS NULL ON CONFLICT (kind, status) DO UPDATE SET n = n + 1"
)
_TAKE = (
    "UPDATE schedule_counts SET n = n - 1 "
    "WHERE {row}.deleted_at IS NULL AND kind = {row}.kind AND status = {row}.status"
)
# A later upgrade that rebuilds the schedules table (batch mode) drops these triggers and must
# create them again; until then the counts are read from the rows (Database.has_counts).
SQLITE_UP = [
    "CREATE TABLE schedule_counts (kind VARCHAR(20) NOT NULL, status VARCHAR(20) NOT NULL, "
    "n INTEGER NOT NULL, PRIMARY KEY (kind, status)) WITHOUT ROWID",
    "CREATE TRIGGER schedule_counts_insert AFTER INSERT ON schedules BEGIN "
    f"{_ADD.format(row='new')}; END",
    "CREATE TRIGGER schedule_counts_delete AFTER DELETE ON schedules BEGIN "
    f"{_TAKE.format(row='old')}; END",
    "CREATE TRIGGER schedule_counts_update AFTER UPDATE OF kind, status, deleted_at "
    "ON schedules WHEN old.kind IS NOT new.kind OR old.status IS NOT new.status "
    "OR old.deleted_at IS NOT new.deleted_at BEGIN "
    f"{_TAKE.format(row='old')}; {_ADD.format(row='new')}; END",
    "INSERT INTO schedule_counts (kind, status, n) "
    "SELECT kind, status, count(*) FROM schedules WHERE deleted_at IS NULL GROUP BY kind, status",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS schedule_counts_update",
    "DROP TRIGGER IF EXISTS schedule_counts_delete",
    "DROP TRIGGER IF EXISTS schedule_counts_insert",
    "DROP TABLE IF EXISTS schedule_counts",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_UP:
            bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DOWN:
            bind.exec_driver_sql(statement)
