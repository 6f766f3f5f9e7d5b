"""schedule status index: a page of one kind and status by next fire reads its own part

The list pages by next fire time walk (kind, status, next fire) for each kind and status they
show (live schedules only: the index holds no deleted ones), so a rare status (a chip with a
handful of failed schedules among 100,000) costs what the page holds, not a walk of every
schedule.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_schedules_status_next",
        "schedules",
        ["kind", "status", sa.text("(next_fire_at IS NULL)"), "next_fire_at"],
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_schedules_status_next", table_name="schedules")
