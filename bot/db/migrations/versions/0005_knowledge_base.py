"""The knowledge base: one short entry per question instead of 11 broad topics.

Each version of an entry also holds its canonical question (the text of a "Did you
mean ...?" button), the related entries offered as follow-ups, and the navigation topic
it belongs to. A question the assistant could not answer is stored with its kind (not
understood, or no reliable information) and the entries offered as candidates, so that
staff can add it as an example question in one click. The 11 topics of the first content
model are kept with their history, renamed ``legacy_<key>`` and taken down: their
intents are no longer in the model, and the knowledge base
(``bot/content/knowledge_base.yml``) is seeded beside them
(entries' intents are ``faq_<key>``).

Revision ID: 0005_knowledge_base
Revises: 0004_callback_message_id
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_knowledge_base"
down_revision = "0004_callback_message_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faq_versions") as batch:
        batch.add_column(sa.Column("question", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("related_json", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("group_key", sa.String(length=40), nullable=True))
    with op.batch_alter_table("unanswered_questions") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="not_understood")
        )
        batch.add_column(
            sa.Column("candidates_json", sa.Text(), nullable=False, server_default="[]")
        )
    # Topics of the first content model (intents ask_*): kept for their history, not served.
    op.execute(
        r"UPDATE faq_topics SET key = 'legacy_' || substr(key, 1, 33), "
        r"intent = 'legacy_' || intent, status = 'draft' WHERE intent LIKE 'ask\_%' ESCAPE '\'"
    )


def downgrade() -> None:
    op.execute(r"DELETE FROM faq_topics WHERE intent NOT LIKE 'legacy\_%' ESCAPE '\'")
    op.execute(
        r"UPDATE faq_topics SET key = substr(key, 8), intent = substr(intent, 8) "
        r"WHERE key LIKE 'legacy\_%' ESCAPE '\'"
    )
    with op.batch_alter_table("unanswered_questions") as batch:
        batch.drop_column("candidates_json")
        batch.drop_column("kind")
    with op.batch_alter_table("faq_versions") as batch:
        batch.drop_column("group_key")
        batch.drop_column("related_json")
        batch.drop_column("question")
