"""trigram pending list: PostgreSQL's trigram indexes keep a short list of unsorted entries

A GIN index adds new entries to a pending list that every search reads whole, up to 4 MB by
default (until a vacuum sorts them in). After a bulk insert of schedules the text filter then
read thousands of pending entries per page: 5 to 50 ms where the sorted index answers in 1 to
10 ms. A limit of 128 kB keeps that list short, and inserts still go through it (turning the
list off altogether made writing schedules twice as slow). The pending entries there now are
sorted in. SQLite has nothing to change.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

INDEXES = ("ix_schedules_name_trgm", "ix_schedules_scope_trgm")
PENDING_LIST_KB = 128


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in _present(INDEXES):
        bind.exec_driver_sql(f"ALTER INDEX {name} SET (gin_pending_list_limit = {PENDING_LIST_KB})")
        bind.exec_driver_sql(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for name in _present(INDEXES):
        bind.exec_driver_sql(f"ALTER INDEX {name} RESET (gin_pending_list_limit)")


def _present(names: tuple[str, ...]) -> list[str]:
    """Those of `names` that are indexes here (without pg_trgm, migration 0016 made none)."""
    found = op.get_bind().exec_driver_sql(
        "SELECT relname FROM pg_class WHERE relkind = 'i' AND relname = ANY(%(names)s)",
        {"names": list(names)},
    )
    return sorted(str(row[0]) for row in found)
