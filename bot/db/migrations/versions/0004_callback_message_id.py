"""Call-back requests remember the message that made them, so one message stores one request.

A message can be processed twice: its Rasa replica died after the action server stored the
request but before the conversation was saved, and the message was re-sent to another
replica (README, "Production and reliability"; ``bot/rasa/idempotency.py``). The request is
keyed by the conversation and the message's id: the second processing finds it.

Revision ID: 0004_callback_message_id
Revises: 0003_handoff
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_callback_message_id"
down_revision = "0003_handoff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callback_requests") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=160), nullable=True))
        batch.create_unique_constraint(
            "uq_callback_requests_message", ["conversation_id", "message_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("callback_requests") as batch:
        batch.drop_constraint("uq_callback_requests_message", type_="unique")
        batch.drop_column("message_id")
