"""name key: schedule names unique after NFKC and case folding

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.text import NAME_KEY_MAX, name_key

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX: a batch copy of the table would drop its expression index.
    op.add_column("schedules", sa.Column("name_key", sa.String(length=520), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name, deleted_at FROM schedules ORDER BY id")).all()
    live: set[str] = set()
    keys = []
    for row_id, name, deleted_at in rows:
        key = name_key(name or "")[:NAME_KEY_MAX]
        if deleted_at is None:
            # Earlier versions compared names exactly, so "Nightly" and "nightly" may both be
            # live. Both are kept: the oldest holds the key, a later one a key marked with its
            # id, which no name accepted today can equal. Such a schedule keeps working; only
            # a new name that folds the same as theirs is refused.
            if key in live:
                key = f"{key}\x1f{row_id}"
            live.add(key)
        keys.append({"id": row_id, "key": key})
    if keys:
        conn.execute(sa.text("UPDATE schedules SET name_key = :key WHERE id = :id"), keys)
    op.create_index(
        "uq_schedules_live_name_key",
        "schedules",
        ["name_key"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
        sqlite_where=sa.text("deleted_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_schedules_live_name_key", table_name="schedules")
    op.drop_column("schedules", "name_key")
