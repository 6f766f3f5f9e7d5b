"""missed reason

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of the table would drop its expression index.
    op.add_column("schedules", sa.Column("missed_reason", sa.String(length=120), nullable=True))
    # Missed schedules written before kept their reason only in the note:
    # "<n> occurrence(s) missed since <when>: <reason>; <decision>".
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, note FROM schedules WHERE status = 'missed'")).all()
    for row_id, note in rows:
        head, found, rest = (note or "").partition(": ")
        if found and " missed since " in head:
            reason = rest.split("; ", 1)[0][:120]
            conn.execute(
                sa.text("UPDATE schedules SET missed_reason = :reason WHERE id = :id"),
                {"reason": reason, "id": row_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("missed_reason")
