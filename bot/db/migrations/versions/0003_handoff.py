"""Handoff, privacy and feedback: call-back requests, answer feedback, unanswered questions,
and the clinic's machine-readable opening times.

Revision ID: 0003_handoff
Revises: 0001_initial
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_handoff"
down_revision = "0002_faq_content"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic_settings") as batch:
        batch.add_column(
            sa.Column(
                "opening_schedule",
                sa.String(length=200),
                nullable=False,
                server_default="Mon-Fri 09:00-17:00",
            )
        )
    op.create_table(
        "callback_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("best_time", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("transcript", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_callback_requests"),
    )
    op.create_index(
        "ix_callback_requests_conversation_id", "callback_requests", ["conversation_id"]
    )
    op.create_index("ix_callback_requests_created_at", "callback_requests", ["created_at"])
    op.create_table(
        "answer_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_answer_feedback"),
    )
    op.create_index(
        "ix_answer_feedback_conversation_hash", "answer_feedback", ["conversation_hash"]
    )
    op.create_index("ix_answer_feedback_topic_time", "answer_feedback", ["topic", "created_at"])
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_unanswered_questions"),
    )
    op.create_index(
        "ix_unanswered_questions_conversation_hash", "unanswered_questions", ["conversation_hash"]
    )
    op.create_index("ix_unanswered_questions_created_at", "unanswered_questions", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_unanswered_questions_created_at", table_name="unanswered_questions")
    op.drop_index("ix_unanswered_questions_conversation_hash", table_name="unanswered_questions")
    op.drop_table("unanswered_questions")
    op.drop_index("ix_answer_feedback_topic_time", table_name="answer_feedback")
    op.drop_index("ix_answer_feedback_conversation_hash", table_name="answer_feedback")
    op.drop_table("answer_feedback")
    op.drop_index("ix_callback_requests_created_at", table_name="callback_requests")
    op.drop_index("ix_callback_requests_conversation_id", table_name="callback_requests")
    op.drop_table("callback_requests")
    with op.batch_alter_table("clinic_settings") as batch:
        batch.drop_column("opening_schedule")
