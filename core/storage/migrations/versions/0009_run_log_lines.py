"""run log lines

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row a line, so a run's log grows by inserts (followed live by id) rather than by
    # rewriting one ever longer text.
    op.create_table(
        "run_log_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_run_log_lines_run", "run_log_lines", ["run_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_run_log_lines_run", table_name="run_log_lines")
    op.drop_table("run_log_lines")
