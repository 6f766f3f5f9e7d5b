"""postgres schedule counts: the kept per-kind, per-status counts on PostgreSQL too

SQLite keeps one row a kind and status (migration 0017). On PostgreSQL, concurrent writers
would queue on such rows, so `schedule_counts` holds changes instead: each statement that adds,
removes or moves schedules between kinds and statuses inserts one row a kind and status it
changed, with how many it added (negative: took away). A count is the sum of its rows; inserted
rows never wait on each other. `core.schedules.kept_counts.fold` folds them into one row a
kind and status now and then (the daemon does it while looking for lost runs).

Statement triggers with transition tables see every row a statement changed at once, so a
claim of many schedules adds a few rows, not two a schedule.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# Whether a schedule before and after an update stands in different counts.
_MOVED = (
    "(o.kind, o.status, o.deleted_at IS NULL) IS DISTINCT FROM "
    "(a.kind, a.status, a.deleted_at IS NULL)"
)
POSTGRES_UP = [
    "CREATE TABLE schedule_counts (kind VARCHAR(20) NOT NULL, status VARCHAR(20) NOT NULL, "
    "n BIGINT NOT NULL)",
    "CREATE FUNCTION schedule_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO schedule_counts (kind, status, n) SELECT kind, status, count(*) FROM added "
    "WHERE deleted_at IS NULL GROUP BY kind, status; RETURN NULL; END $$",
    "CREATE FUNCTION schedule_counts_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO schedule_counts (kind, status, n) SELECT kind, status, -count(*) FROM removed "
    "WHERE deleted_at IS NULL GROUP BY kind, status; RETURN NULL; END $$",
    "CREATE FUNCTION schedule_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO schedule_counts (kind, status, n) SELECT kind, status, sum(n) FROM ("
    f"SELECT o.kind, o.status, -1 AS n FROM removed o JOIN added a ON a.id = o.id "
    f"WHERE o.deleted_at IS NULL AND {_MOVED} UNION ALL "
    f"SELECT a.kind, a.status, 1 AS n FROM removed o JOIN added a ON a.id = o.id "
    f"WHERE a.deleted_at IS NULL AND {_MOVED}"
    ") AS moved GROUP BY kind, status HAVING sum(n) <> 0; RETURN NULL; END $$",
    "CREATE TRIGGER schedule_counts_insert AFTER INSERT ON schedules "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION schedule_counts_added()",
    "CREATE TRIGGER schedule_counts_delete AFTER DELETE ON schedules "
    "REFERENCING OLD TABLE AS removed FOR EACH STATEMENT "
    "EXECUTE FUNCTION schedule_counts_removed()",
    "CREATE TRIGGER schedule_counts_update AFTER UPDATE ON schedules "
    "REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT "
    "EXECUTE FUNCTION schedule_counts_moved()",
    "LOCK TABLE schedules IN SHARE MODE",
    "INSERT INTO schedule_counts (kind, status, n) "
    "SELECT kind, status, count(*) FROM schedules WHERE deleted_at IS NULL GROUP BY kind, status",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS schedule_counts_update ON schedules",
    "DROP TRIGGER IF EXISTS schedule_counts_delete ON schedules",
    "DROP TRIGGER IF EXISTS schedule_counts_insert ON schedules",
    "DROP FUNCTION IF EXISTS schedule_counts_moved()",
    "DROP FUNCTION IF EXISTS schedule_counts_removed()",
    "DROP FUNCTION IF EXISTS schedule_counts_added()",
    "DROP TABLE IF EXISTS schedule_counts",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in POSTGRES_UP:
            bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in POSTGRES_DOWN:
            bind.exec_driver_sql(statement)
