"""Staff accounts: two roles, the approval step, ending sessions, sign-in lock-out.

* ``staff_users.role``: ``editor`` (saves drafts, asks for approval) or ``approver``
  (also publishes and manages accounts). **Existing accounts become approvers**: until
  now every account could publish, and nobody should find one morning that they cannot
  do what they did yesterday. Approvers can then make colleagues editors on the staff
  page (or ``python -m bot staff add NAME --role editor``). New accounts get their role
  from whoever creates them (no database default).
* ``staff_users.session_epoch``: written into the session cookie at sign-in and checked
  on every page; disabling an account or setting its password increments it, ending its
  open sessions.
* ``faq_topics.review_*``: the version an editor asked an approver to publish, who asked
  and when ("awaiting approval").
* ``staff_sign_in_attempts``: sign-in attempts (a hash of the name, the address, the
  outcome), for the lock-out rule; in the database so that every web process sees the
  same count.

Revision ID: 0006_staff_accounts
Revises: 0005_knowledge_base
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_staff_accounts"
down_revision = "0005_knowledge_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        # The server default fills the existing rows (they become approvers), then goes.
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="approver")
        )
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("staff_users") as batch:
        batch.alter_column("role", existing_type=sa.String(length=16), server_default=None)
        batch.create_check_constraint("ck_staff_users_role_known", "role IN ('editor', 'approver')")
    with op.batch_alter_table("faq_topics") as batch:
        batch.add_column(sa.Column("review_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review_requested_by", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("review_requested_at", sa.DateTime(), nullable=True))
    op.create_table(
        "staff_sign_in_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_sign_in_attempts"),
    )
    op.create_index("ix_staff_sign_in_attempts_at", "staff_sign_in_attempts", ["at"])
    op.create_index(
        "ix_staff_sign_in_attempts_account_time", "staff_sign_in_attempts", ["account", "at"]
    )
    op.create_index(
        "ix_staff_sign_in_attempts_address_time", "staff_sign_in_attempts", ["address", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_staff_sign_in_attempts_address_time", table_name="staff_sign_in_attempts")
    op.drop_index("ix_staff_sign_in_attempts_account_time", table_name="staff_sign_in_attempts")
    op.drop_index("ix_staff_sign_in_attempts_at", table_name="staff_sign_in_attempts")
    op.drop_table("staff_sign_in_attempts")
    with op.batch_alter_table("faq_topics") as batch:
        batch.drop_column("review_requested_at")
        batch.drop_column("review_requested_by")
        batch.drop_column("review_version")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint("ck_staff_users_role_known", type_="check")
        batch.drop_column("session_epoch")
        batch.drop_column("role")
