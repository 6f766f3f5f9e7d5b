"""schedule status name index: a page of one kind and status by name reads its own part

As migration 0018 does for the next fire time: the list's pages by name walk (kind, status,
name) for each kind and status they show (live schedules only), so a page of paused schedules
by name reads the entries it shows rather than sorting every paused schedule; without planner
statistics (a user's file that never ran ANALYZE) that sort read each of them.

It takes the place of `ix_schedules_list` (kind, status, deleted_at), whose every use it serves
(the list only ever asks for live schedules): a claim moves a schedule's entries in each index
on status, and a third such index cost a fifth of SQLite's claims per second.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_schedules_status_name",
        "schedules",
        ["kind", "status", "name", "id"],
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_schedules_list", table_name="schedules")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and _analyzed(bind):
        # A file that someone analyzed keeps statistics for every other index; without its
        # own, the planner would take this one to find a handful of rows for any kind.
        bind.exec_driver_sql("ANALYZE ix_schedules_status_name")


def _analyzed(bind: sa.Connection) -> bool:
    found = bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    return found.first() is not None


def downgrade() -> None:
    op.create_index("ix_schedules_list", "schedules", ["kind", "status", "deleted_at"])
    op.drop_index("ix_schedules_status_name", table_name="schedules")
