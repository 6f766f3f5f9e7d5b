"""scenarios: a schedule fires a scenario of steps; each step of a run records a step run

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

An analysis schedule of before becomes a scenario of one analyze step (a cache refresh one, of
one cache_refresh step). The LLM profile and review strategy live in that step from now on, so
their columns go; the DB profile, database and scope stay as the schedule's headline, which the
lists show and filter on.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 1000
DROPPED = ("llm_profile", "review_strategy")


def scenario_of(row: Any) -> dict[str, Any]:
    """The scenario an earlier version's schedule row stands for."""
    step: dict[str, Any] = {"kind": row.kind or "analyze", "profile": row.db_profile}
    if row.database:
        step["database"] = row.database
    scope = json.loads(row.scope) if isinstance(row.scope, str) else row.scope
    if scope:
        step["scope"] = list(scope)
    if step["kind"] == "analyze":
        if row.llm_profile and row.llm_profile != "heuristic":
            step["llm_profile"] = row.llm_profile
        if row.review_strategy and row.review_strategy != "manual":
            step["review"] = row.review_strategy
    return {"steps": [step]}


def upgrade() -> None:
    conn = op.get_bind()
    op.add_column("schedules", sa.Column("scenario", sa.JSON(), nullable=True))
    select = sa.text(
        "SELECT id, kind, db_profile, database, scope, llm_profile, review_strategy "
        "FROM schedules WHERE id > :after ORDER BY id LIMIT :n"
    )
    update = sa.text("UPDATE schedules SET scenario = :scenario WHERE id = :id")
    after = 0
    while rows := conn.execute(select, {"after": after, "n": BATCH}).all():
        conn.execute(update, [{"id": r.id, "scenario": json.dumps(scenario_of(r))} for r in rows])
        after = rows[-1].id
    # Not through a batch (a copy of the table): SQLite's own DROP COLUMN keeps the partial and
    # expression indexes that a copy would lose; so on SQLite the new column stays nullable.
    if conn.dialect.name != "sqlite":
        op.alter_column("schedules", "scenario", existing_type=sa.JSON(), nullable=False)
    for column in DROPPED:
        op.drop_column("schedules", column)
    op.create_table(
        "step_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("carried_from", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "section", "position", name="uq_step_runs_place"),
    )
    op.create_index("ix_step_runs_kind", "step_runs", ["kind", "run_id"])
    op.add_column("run_log_lines", sa.Column("step_run_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("run_log_lines", "step_run_id")
    op.drop_index("ix_step_runs_kind", table_name="step_runs")
    op.drop_table("step_runs")
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("llm_profile", sa.String(120), server_default="heuristic"))
        batch.add_column(sa.Column("review_strategy", sa.String(10), server_default="manual"))
        batch.drop_column("scenario")
