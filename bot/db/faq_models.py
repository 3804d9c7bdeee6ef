"""Tables of the staff-managed FAQ content: topics, their versions, staff, audit, training.

The database is the source of truth for the answers (``bot/content/knowledge_base.yml`` only seeds
it). Imported at the end of ``bot.db.models`` so that ``Base.metadata`` has every table.
JSON-valued columns are stored as text (the same on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, relationship

from bot.db.base import Base, utc_now

TOPIC_KEY_MAX = 40
TITLE_MAX = 40
QUESTION_MAX = 200


class FaqTopic(Base):
    """One knowledge-base entry (one question and its answer), recognised as one NLU
    intent (``faq_<key>``). Its content lives in FaqVersion rows.

    ``status`` is ``published`` when version ``live_version`` is what patients get, and
    ``draft`` when nothing of the topic is live (a new topic, or one taken down).

    ``review_version`` is the version an editor asked an approver to publish ("awaiting
    approval", migration 0006), with who asked and when; cleared when it is published or
    a newer version is saved (the approver would otherwise review text that is not the
    newest).
    """

    __tablename__ = "faq_topics"

    id: Mapped[int] = Column(Integer, primary_key=True)
    key: Mapped[str] = Column(String(TOPIC_KEY_MAX), nullable=False, unique=True)
    intent: Mapped[str] = Column(String(64), nullable=False, unique=True)
    status: Mapped[str] = Column(String(16), nullable=False, default="draft")
    live_version: Mapped[int | None] = Column(Integer, nullable=True)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now)
    updated_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now)
    review_version: Mapped[int | None] = Column(Integer, nullable=True)
    review_requested_by: Mapped[str | None] = Column(String(80), nullable=True)
    review_requested_at: Mapped[datetime | None] = Column(DateTime, nullable=True)

    versions: Mapped[list[FaqVersion]] = relationship(
        "FaqVersion",
        back_populates="topic",
        cascade="all, delete-orphan",
        order_by="FaqVersion.number",
    )

    def __repr__(self) -> str:
        return f"<FaqTopic {self.key} status={self.status} live=v{self.live_version}>"


class FaqVersion(Base):
    """One saved version of a topic; never changed once written. Every version is kept,
    except drafts newer than the live version that staff discard (never live)."""

    __tablename__ = "faq_versions"
    __table_args__ = (UniqueConstraint("topic_id", "number", name="uq_faq_versions_topic_number"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    topic_id: Mapped[int] = Column(
        Integer, ForeignKey("faq_topics.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[int] = Column(Integer, nullable=False)
    title: Mapped[str] = Column(String(TITLE_MAX), nullable=False)
    answer: Mapped[str] = Column(Text, nullable=False)
    more: Mapped[str | None] = Column(Text, nullable=True)
    sources_json: Mapped[str] = Column(Text, nullable=False, default="[]")
    examples_json: Mapped[str] = Column(Text, nullable=False, default="[]")
    areas_json: Mapped[str] = Column(Text, nullable=False, default="{}")
    other_area: Mapped[str | None] = Column(Text, nullable=True)
    # The knowledge base (migration 0005): the canonical question ("Did you mean ...?"
    # buttons), the related entries offered as follow-ups, the navigation topic.
    question: Mapped[str | None] = Column(String(QUESTION_MAX), nullable=True)
    related_json: Mapped[str] = Column(Text, nullable=False, default="[]", server_default="[]")
    group_key: Mapped[str | None] = Column(String(TOPIC_KEY_MAX), nullable=True)
    author: Mapped[str] = Column(String(80), nullable=False)
    note: Mapped[str] = Column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now)

    topic: Mapped[FaqTopic] = relationship("FaqTopic", back_populates="versions")


# The two staff roles (migration 0006): editors write drafts and ask for approval;
# approvers also publish (clinical text goes live only through one) and manage accounts.
EDITOR = "editor"
APPROVER = "approver"
ROLES = (EDITOR, APPROVER)


class StaffUser(Base):
    """A staff account for the admin pages; the password is stored as an argon2 hash.

    ``active`` False: disabled (cannot sign in). ``session_epoch`` is copied into the
    session cookie at sign-in and checked on every page: disabling the account or setting
    its password increments it, which ends the sessions already open.
    """

    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint("role IN ('editor', 'approver')", name="role_known"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(80), nullable=False, unique=True)
    password_hash: Mapped[str] = Column(String(255), nullable=False)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now)
    last_login_at: Mapped[datetime | None] = Column(DateTime, nullable=True)
    role: Mapped[str] = Column(String(16), nullable=False, default=EDITOR)
    session_epoch: Mapped[int] = Column(Integer, nullable=False, default=0, server_default="0")


class SignInAttempt(Base):
    """One sign-in attempt, for the lock-out rule across processes (``bot.web.throttle``).

    ``account`` is a hash of the name as typed (lower case), never the name: people type
    their password in the name field. ``outcome``: ``checking`` (counted as a failure
    until it is known), ``failed``, ``ok``, or ``cleared`` (an approver set the password:
    earlier failures of that name no longer count). Rows older than a day are deleted.
    """

    __tablename__ = "staff_sign_in_attempts"
    __table_args__ = (
        Index("ix_staff_sign_in_attempts_account_time", "account", "at"),
        Index("ix_staff_sign_in_attempts_address_time", "address", "at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(DateTime, nullable=False, index=True)
    account: Mapped[str] = Column(String(64), nullable=False)
    address: Mapped[str] = Column(String(64), nullable=False)
    outcome: Mapped[str] = Column(String(16), nullable=False)


class AuditEntry(Base):
    """Who changed what, when: one row per change (content, publishing, accounts, training)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now, index=True)
    actor: Mapped[str] = Column(String(80), nullable=False)
    action: Mapped[str] = Column(String(40), nullable=False)
    topic_key: Mapped[str | None] = Column(String(TOPIC_KEY_MAX), nullable=True)
    detail: Mapped[str] = Column(Text, nullable=False, default="")


class TrainingJob(Base):
    """A background retrain, started by publishing new topics or example questions.

    ``status``: queued -> checking -> training -> loading -> done | failed. ``message`` is
    for staff, in plain words.
    """

    __tablename__ = "training_jobs"

    id: Mapped[int] = Column(Integer, primary_key=True)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now)
    started_by: Mapped[str] = Column(String(80), nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False, default="queued")
    message: Mapped[str] = Column(Text, nullable=False, default="")
    model_name: Mapped[str | None] = Column(String(80), nullable=True)
    log_file: Mapped[str | None] = Column(String(500), nullable=True)
    finished_at: Mapped[datetime | None] = Column(DateTime, nullable=True)
