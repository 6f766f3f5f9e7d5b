"""schedule search text: PostgreSQL's text filter tests one lowered copy of name and scope

`search_text` is a stored generated column, `lower(name || newline || scope as text)`, with one
trigram index (pg_trgm) in place of the two that migration 0016 made on the name and the scope.
`search_text LIKE lower(pattern)` is what `name ILIKE pattern OR scope ILIKE pattern` asks
(ILIKE lowers both sides the same way) for any text without a newline, which neither a name nor
JSON text holds: a row is tested with one byte-wise LIKE instead of two ILIKEs that lower the
row's text each time, and one index is read instead of two. Adding the column rewrites the
table once. SQLite has its own trigram table and nothing to change.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

PENDING_LIST_KB = 128
COLUMN = (
    "ALTER TABLE schedules ADD COLUMN search_text text GENERATED ALWAYS AS "
    "(lower(name || E'\\n' || coalesce(CAST(scope AS TEXT), ''))) STORED"
)
INDEX = (
    "CREATE INDEX ix_schedules_search_trgm ON schedules USING gin (search_text gin_trgm_ops) "
    f"WITH (gin_pending_list_limit = {PENDING_LIST_KB})"
)
# What migrations 0016 and 0020 left, for a downgrade.
OLD_INDEXES = [
    "CREATE INDEX ix_schedules_name_trgm ON schedules USING gin (name gin_trgm_ops) "
    f"WITH (gin_pending_list_limit = {PENDING_LIST_KB})",
    "CREATE INDEX ix_schedules_scope_trgm ON schedules USING gin ((CAST(scope AS TEXT)) "
    f"gin_trgm_ops) WITH (gin_pending_list_limit = {PENDING_LIST_KB})",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(COLUMN)
    if _has_trigrams():
        bind.exec_driver_sql(INDEX)
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_schedules_name_trgm")
        bind.exec_driver_sql("DROP INDEX IF EXISTS ix_schedules_scope_trgm")
    # The planner's estimates for the new column, which the text filter's page relies on.
    bind.exec_driver_sql("ANALYZE schedules")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if _has_trigrams():
        for statement in OLD_INDEXES:
            bind.exec_driver_sql(statement)
    bind.exec_driver_sql("DROP INDEX IF EXISTS ix_schedules_search_trgm")
    bind.exec_driver_sql("ALTER TABLE schedules DROP COLUMN search_text")


def _has_trigrams() -> bool:
    """Whether pg_trgm is here (where it could not be created, migration 0016 made no index)."""
    found = op.get_bind().exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    return found.first() is not None
