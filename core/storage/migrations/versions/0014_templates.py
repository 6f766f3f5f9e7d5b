"""templates: scenario templates, their instances, and DB profiles' owner and labels

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

A template is a scenario shape with parameters; its instances are ordinary schedules that
remember the template's slug, their DB profile and their parameter values. One live instance
per template and DB profile is enforced by a partial unique index, so two people enabling the
same cell at once cannot make two. DB profiles gain the owner's e-mail and labels that
templates may name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_LIVE_INSTANCE = "template_slug IS NOT NULL AND deleted_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(80), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("default_enabled", sa.Boolean(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("schedules", sa.Column("template_slug", sa.String(80), nullable=True))
    op.add_column("schedules", sa.Column("template_profile", sa.String(120), nullable=True))
    op.add_column("schedules", sa.Column("template_params", sa.JSON(), nullable=True))
    op.create_index("ix_schedules_template", "schedules", ["template_slug"])
    op.create_index(
        "uq_schedules_template_profile",
        "schedules",
        ["template_slug", "template_profile"],
        unique=True,
        postgresql_where=sa.text(_LIVE_INSTANCE),
        sqlite_where=sa.text(_LIVE_INSTANCE),
    )
    op.add_column("db_profiles", sa.Column("owner_email", sa.String(320), nullable=True))
    op.add_column("db_profiles", sa.Column("labels", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("db_profiles", "labels")
    op.drop_column("db_profiles", "owner_email")
    op.drop_index("uq_schedules_template_profile", table_name="schedules")
    op.drop_index("ix_schedules_template", table_name="schedules")
    op.drop_column("schedules", "template_params")
    op.drop_column("schedules", "template_profile")
    op.drop_column("schedules", "template_slug")
    op.drop_table("templates")
