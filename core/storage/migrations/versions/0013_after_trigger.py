"""after trigger: a schedule records the schedule it runs after

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

An upstream's success looks up the schedules that run after it on every successful run, so the
upstream's id gets a column and an index of its own rather than a scan of every trigger. No
schedule ran after another before this revision, so there is nothing to fill in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("schedules", sa.Column("upstream_id", sa.Integer(), nullable=True))
    op.create_index("ix_schedules_upstream", "schedules", ["upstream_id"])


def downgrade() -> None:
    op.drop_index("ix_schedules_upstream", table_name="schedules")
    # Not through a batch (a copy of the table): SQLite's own DROP COLUMN keeps the partial and
    # expression indexes that a copy would lose.
    op.drop_column("schedules", "upstream_id")
