"""The clinic's tables: patients, their treatment sessions, clinic settings, look-up failures.

Written so the same file runs on SQLAlchemy 1.4 and 2.x: a declarative base from
``registry().generate_base()``, ``Mapped[...]`` annotations on ``Column(...)`` attributes
(1.4 ignores the annotations at run time, 2.x reads them), relationships that name their
target class explicitly. Queries elsewhere use ``select()``.

Conventions:
- timestamps are naive UTC (``utc_now()``): the same on SQLite and PostgreSQL;
- clinic references are stored normalised (``BTX-1001``: upper case, one hyphen), and the
  database checks the upper case;
- constraints have names (``NAMING_CONVENTION``) so later migrations can alter them.

The schema is created by the Alembic migrations in ``bot/db/migrations`` (``upgrade_database``),
never by ``create_all`` on a live database.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, Session, relationship

from bot.db.base import Base, utc_now

# Defaults of the clinic settings (one row, see ClinicSettings).
DEFAULT_INTERVAL_WEEKS = 12
DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_OPENING_SCHEDULE = "Mon-Fri 09:00-17:00"
REFERENCE_MAX_LENGTH = 20
# Units of onabotulinumtoxinA in one session: the protocol gives 155-195; above this is a typo.
MAX_UNITS_PER_SESSION = 400


class SessionStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    DONE = "done"


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (CheckConstraint("reference = upper(reference)", name="reference_upper"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    reference: Mapped[str] = Column(String(REFERENCE_MAX_LENGTH), nullable=False, unique=True)
    date_of_birth: Mapped[date] = Column(Date, nullable=False)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now)

    sessions: Mapped[list[TreatmentSession]] = relationship(
        "TreatmentSession",
        back_populates="patient",
        cascade="all, delete-orphan",
        order_by="TreatmentSession.session_date",
    )

    def __repr__(self) -> str:  # no patient data in reprs: they end up in logs
        return f"<Patient id={self.id}>"


class TreatmentSession(Base):
    """One injection session, done or booked. One per patient per day."""

    __tablename__ = "treatment_sessions"
    __table_args__ = (
        UniqueConstraint("patient_id", "session_date", name="uq_treatment_sessions_patient_day"),
        CheckConstraint(
            f"units IS NULL OR (units > 0 AND units <= {MAX_UNITS_PER_SESSION})", name="units_range"
        ),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    patient_id: Mapped[int] = Column(
        Integer, ForeignKey("patients.id", ondelete="CASCADE"), nullable=False, index=True
    )
    session_date: Mapped[date] = Column(Date, nullable=False)
    status: Mapped[SessionStatus] = Column(
        Enum(
            SessionStatus,
            name="session_status",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda statuses: [s.value for s in statuses],
        ),
        nullable=False,
        default=SessionStatus.DONE,
    )
    units: Mapped[int | None] = Column(Integer, nullable=True)
    clinician: Mapped[str | None] = Column(String(100), nullable=True)
    notes: Mapped[str | None] = Column(Text, nullable=True)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now)

    patient: Mapped[Patient] = relationship("Patient", back_populates="sessions")

    def __repr__(self) -> str:
        return f"<TreatmentSession id={self.id} status={self.status.value}>"


class ClinicSettings(Base):
    """The clinic's settings: one row (id 1). ``load_clinic_settings`` reads it."""

    __tablename__ = "clinic_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        # Botox for chronic migraine is never repeated sooner than every 12 weeks.
        CheckConstraint("interval_weeks >= 12 AND interval_weeks <= 52", name="interval_range"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True, default=1)
    interval_weeks: Mapped[int] = Column(Integer, nullable=False, default=DEFAULT_INTERVAL_WEEKS)
    timezone: Mapped[str] = Column(String(64), nullable=False, default=DEFAULT_TIMEZONE)
    phone: Mapped[str] = Column(String(40), nullable=False, default="")
    opening_hours: Mapped[str] = Column(Text, nullable=False, default="")
    # Machine-readable opening times, for "the clinic will call you from Monday 9am"
    # (format in bot/handoff.py: "Mon-Fri 09:00-17:00"). Migration 0003_handoff.
    opening_schedule: Mapped[str] = Column(
        String(200), nullable=False, default=DEFAULT_OPENING_SCHEDULE
    )
    updated_at: Mapped[datetime] = Column(
        DateTime, nullable=False, default=utc_now, onupdate=utc_now
    )


class LookupFailure(Base):
    """A failed identity check, for rate limiting across conversations.

    Holds a keyed hash of the clinic reference (``bot.due_dates.identity.reference_hash``), never
    the reference itself, and when it happened. Rows older than a day are deleted.
    """

    __tablename__ = "lookup_failures"
    __table_args__ = (Index("ix_lookup_failures_hash_time", "reference_hash", "created_at"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    reference_hash: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now)


def load_clinic_settings(session: Session) -> ClinicSettings:
    """The clinic settings row, or an unsaved one holding the defaults when there is none."""
    row = session.get(ClinicSettings, 1)
    if row is not None:
        return row
    return ClinicSettings(
        id=1,
        interval_weeks=DEFAULT_INTERVAL_WEEKS,
        timezone=DEFAULT_TIMEZONE,
        phone="",
        opening_hours="",
        opening_schedule=DEFAULT_OPENING_SCHEDULE,
    )


# --- Handoff, privacy and feedback (migration 0003_handoff) ------------------------------

CALLBACK_NAME_MAX = 100
CALLBACK_PHONE_MAX = 40
CALLBACK_TIME_MAX = 100
CALLBACK_REASON_MAX = 300


class CallbackRequest(Base):
    """A patient's request for a call from the clinic, made in a conversation.

    ``conversation_id`` is Rasa's sender id: "forget me" deletes the requests of that
    conversation. ``transcript`` is JSON: ``[{"from": "patient"|"bot", "text": ...}]``, the
    conversation that led to the request (identity-check answers removed, see
    ``bot.handoff.callbacks.transcript_from_events``). Staff mark it done (``done_at``).
    ``message_id`` is the id of the patient's message that made the request: one message
    makes one request, even when it is processed twice (``bot/rasa/idempotency.py``).
    """

    __tablename__ = "callback_requests"
    __table_args__ = (
        Index("ix_callback_requests_created_at", "created_at"),
        UniqueConstraint("conversation_id", "message_id", name="uq_callback_requests_message"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(255), nullable=False, index=True)
    name: Mapped[str] = Column(String(CALLBACK_NAME_MAX), nullable=False)
    phone: Mapped[str] = Column(String(CALLBACK_PHONE_MAX), nullable=False)
    best_time: Mapped[str] = Column(String(CALLBACK_TIME_MAX), nullable=False)
    reason: Mapped[str] = Column(String(CALLBACK_REASON_MAX), nullable=False)
    transcript: Mapped[str] = Column(Text, nullable=False, default="[]")
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now)
    done_at: Mapped[datetime | None] = Column(DateTime, nullable=True)
    done_by: Mapped[str | None] = Column(String(100), nullable=True)
    message_id: Mapped[str | None] = Column(String(160), nullable=True)

    def __repr__(self) -> str:  # no patient data in reprs
        return f"<CallbackRequest id={self.id} done={self.done_at is not None}>"


class AnswerFeedback(Base):
    """A thumbs up or down on one answer. The conversation is kept only as a keyed hash
    (``bot.insights.records.conversation_hash``), so "forget me" can delete it and nothing else
    can link it to a patient."""

    __tablename__ = "answer_feedback"
    __table_args__ = (Index("ix_answer_feedback_topic_time", "topic", "created_at"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_hash: Mapped[str] = Column(String(64), nullable=False, index=True)
    topic: Mapped[str] = Column(String(64), nullable=False)
    helpful: Mapped[bool] = Column(Boolean, nullable=False)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now)


class UnansweredQuestion(Base):
    """A message the assistant could not answer, for the insights page: not understood
    (``nlu_fallback``), or a question the facts sheet does not answer.

    ``text`` is stored with likely identifiers (clinic references, phone numbers, e-mail
    addresses, dates, long numbers) replaced (``bot.insights.records.redact``).
    """

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_hash: Mapped[str] = Column(String(64), nullable=False, index=True)
    text: Mapped[str] = Column(String(300), nullable=False)
    created_at: Mapped[datetime] = Column(DateTime, nullable=False, default=utc_now, index=True)
    # Migration 0005: ``not_understood`` (a "Did you mean ...?" or "please rephrase") or
    # ``no_reliable_info`` (understood, but the facts sheet has no answer); the entries
    # offered as candidates, most likely first (JSON list of keys).
    kind: Mapped[str] = Column(
        String(20), nullable=False, default="not_understood", server_default="not_understood"
    )
    candidates_json: Mapped[str] = Column(Text, nullable=False, default="[]", server_default="[]")


# The staff-managed FAQ content tables (their own module, imported here so that
# Base.metadata, the migrations' target, has every table). A module import, not names:
# either module may be imported first.
import bot.db.faq_models  # noqa: E402, F401
