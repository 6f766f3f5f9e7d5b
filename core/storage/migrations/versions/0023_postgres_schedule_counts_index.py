"""postgres schedule counts index: the kept counts are read from an index, not the whole table

PostgreSQL's `schedule_counts` (migration 0019) takes a row for each statement that changes
counts, and a fold deletes them all and inserts one a kind and status. Its rows then sit after
the space the deleted ones held, so a vacuum frees that space but cannot cut it off the end:
after 100,000 single-row writes the table keeps some 650 pages for its five rows, and every
read of the counts (each page of the list, each chip) scanned them all. Read through this
index, such a read visits two pages, whatever the table's past.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

INDEX = "CREATE INDEX ix_schedule_counts ON schedule_counts (kind, status) INCLUDE (n)"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(INDEX)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_schedule_counts")
