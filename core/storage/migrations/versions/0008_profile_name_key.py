"""profile name key: DB and LLM profile names unique after NFKC and case folding

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.text import NAME_KEY_MAX, name_key

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("db_profiles", "llm_profiles")


def upgrade() -> None:
    conn = op.get_bind()
    for table in TABLES:
        op.add_column(table, sa.Column("name_key", sa.String(length=520), nullable=True))
        rows = conn.execute(sa.text(f"SELECT id, name FROM {table} ORDER BY id")).all()
        seen: set[str] = set()
        keys = []
        for row_id, name in rows:
            key = name_key(name or "")[:NAME_KEY_MAX]
            # Earlier versions compared names exactly, so "Shop" and "shop" may both exist. Both
            # are kept and keep working (schedules name them exactly): the oldest holds the key,
            # a later one a key marked with its id, which no name accepted today can equal.
            if key in seen:
                key = f"{key}\x1f{row_id}"
            seen.add(key)
            keys.append({"id": row_id, "key": key})
        if keys:
            conn.execute(sa.text(f"UPDATE {table} SET name_key = :key WHERE id = :id"), keys)
        op.create_index(f"uq_{table}_name_key", table, ["name_key"], unique=True)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"uq_{table}_name_key", table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("name_key")
