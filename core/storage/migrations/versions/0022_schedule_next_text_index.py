"""schedule next-fire text index: PostgreSQL finds a common text's first matches in the index

A page of a text found in many schedules (one in eight, say), by next fire, with its total
counted up to 1,001, tests the rows in next-fire order until it has the first 1,001 matches:
some 8,000 rows. Read from the heap that is a row fetch per test; this partial index on the
list's next-fire order holds what the test and the page's kind and status need (INCLUDE kind,
status, search_text), so the walk reads index pages alone once a vacuum has marked the table's
pages all-visible (autovacuum does). SQLite finds its matches through its own trigram table.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

INDEX = (
    "CREATE INDEX ix_schedules_next_text ON schedules ((next_fire_at IS NULL), next_fire_at, id) "
    "INCLUDE (kind, status, search_text) WHERE deleted_at IS NULL"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(INDEX)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_schedules_next_text")
