"""Schema 0005: submitted forecasts (weekly calls, manager overrides), weekly snapshots per scope and method,
and each method's error once a period is over.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 17:59:34.980664
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecast_errors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("forecast", sa.BigInteger(), nullable=False),
        sa.Column("actual", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_forecast_errors_period_id_periods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_errors")),
        sa.UniqueConstraint(
            "period_id",
            "week",
            "scope",
            "method",
            name=op.f("uq_forecast_errors_period_id_week_scope_method"),
        ),
    )
    with op.batch_alter_table("forecast_errors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forecast_errors_period_id"), ["period_id"], unique=False)

    op.create_table(
        "forecast_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("commit_amount", sa.BigInteger(), nullable=False),
        sa.Column("best_case_amount", sa.BigInteger(), nullable=False),
        sa.Column("pipeline_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.CheckConstraint("week >= 1", name=op.f("ck_forecast_overrides_week")),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["people.id"], name=op.f("fk_forecast_overrides_manager_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_forecast_overrides_period_id_periods")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["people.id"], name=op.f("fk_forecast_overrides_subject_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_overrides")),
    )
    with op.batch_alter_table("forecast_overrides", schema=None) as batch_op:
        batch_op.create_index("ix_forecast_overrides_call", ["period_id", "subject_id", "week"], unique=False)
        batch_op.create_index(batch_op.f("ix_forecast_overrides_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_forecast_overrides_period_id"), ["period_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_forecast_overrides_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "forecast_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_forecast_snapshots_period_id_periods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_snapshots")),
        sa.UniqueConstraint(
            "period_id",
            "week",
            "scope",
            "method",
            name=op.f("uq_forecast_snapshots_period_id_week_scope_method"),
        ),
    )
    with op.batch_alter_table("forecast_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forecast_snapshots_period_id"), ["period_id"], unique=False)

    op.create_table(
        "forecast_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("commit_amount", sa.BigInteger(), nullable=False),
        sa.Column("best_case_amount", sa.BigInteger(), nullable=False),
        sa.Column("pipeline_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=128), nullable=False),
        sa.CheckConstraint("week >= 1", name=op.f("ck_forecast_submissions_week")),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_forecast_submissions_period_id_periods")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_forecast_submissions_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_submissions")),
    )
    with op.batch_alter_table("forecast_submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_forecast_submissions_call", ["period_id", "person_id", "week"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_forecast_submissions_period_id"), ["period_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_forecast_submissions_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("forecast_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_submissions_person_id"))
        batch_op.drop_index(batch_op.f("ix_forecast_submissions_period_id"))
        batch_op.drop_index("ix_forecast_submissions_call")

    op.drop_table("forecast_submissions")
    with op.batch_alter_table("forecast_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_snapshots_period_id"))

    op.drop_table("forecast_snapshots")
    with op.batch_alter_table("forecast_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_overrides_subject_id"))
        batch_op.drop_index(batch_op.f("ix_forecast_overrides_period_id"))
        batch_op.drop_index(batch_op.f("ix_forecast_overrides_manager_id"))
        batch_op.drop_index("ix_forecast_overrides_call")

    op.drop_table("forecast_overrides")
    with op.batch_alter_table("forecast_errors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_errors_period_id"))

    op.drop_table("forecast_errors")
