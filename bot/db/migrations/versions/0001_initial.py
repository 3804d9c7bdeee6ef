"""Initial schema: patients, treatment sessions, clinic settings, look-up failures.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("reference = upper(reference)", name="ck_patients_reference_upper"),
        sa.PrimaryKeyConstraint("id", name="pk_patients"),
        sa.UniqueConstraint("reference", name="uq_patients_reference"),
    )
    op.create_table(
        "treatment_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "done",
                name="session_status",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("clinician", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "units IS NULL OR (units > 0 AND units <= 400)",
            name="ck_treatment_sessions_units_range",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name="fk_treatment_sessions_patient_id_patients",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_treatment_sessions"),
        sa.UniqueConstraint("patient_id", "session_date", name="uq_treatment_sessions_patient_day"),
    )
    op.create_index(
        "ix_treatment_sessions_patient_id", "treatment_sessions", ["patient_id"], unique=False
    )
    op.create_table(
        "clinic_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interval_weeks", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("opening_hours", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_clinic_settings_single_row"),
        sa.CheckConstraint(
            "interval_weeks >= 12 AND interval_weeks <= 52",
            name="ck_clinic_settings_interval_range",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_clinic_settings"),
    )
    op.create_table(
        "lookup_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lookup_failures"),
    )
    op.create_index(
        "ix_lookup_failures_hash_time",
        "lookup_failures",
        ["reference_hash", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_lookup_failures_hash_time", table_name="lookup_failures")
    op.drop_table("lookup_failures")
    op.drop_table("clinic_settings")
    op.drop_index("ix_treatment_sessions_patient_id", table_name="treatment_sessions")
    op.drop_table("treatment_sessions")
    op.drop_table("patients")
