"""Identity check and next-due look-up in the clinic records.

``verify_and_get_due(session, reference, birth_date, today, conversation_failures)``
returns a ``LookupResult`` whose ``status`` is one of:

- VERIFIED: reference and date of birth match a patient. ``due`` is the next due date
  worked out from the latest session marked done (None: no session on record yet);
  ``next_booked`` is the earliest session still scheduled from today on, if any.
- NOT_VERIFIED: the details do not match. An unknown reference and a wrong date of birth
  give the very same object (``NOT_VERIFIED``), after the same work: the hash, the
  query, a constant-time comparison against a stand-in date, and the failure record.
- LOCKED (``LOCKED``): no check was made, because this conversation already failed
  ``MAX_CONVERSATION_FAILURES`` (3) times (the caller keeps that count and passes it in),
  or the reference failed ``MAX_REFERENCE_FAILURES`` (5) times within
  ``FAILURE_WINDOW`` (15 minutes) across all conversations. Unknown references are
  counted too, so being locked says nothing about whether a reference exists.

Failures are stored in ``lookup_failures`` as an HMAC-SHA256 of the normalised reference
keyed with ``LOOKUP_HASH_SECRET`` (environment; ``DEV_HASH_SECRET`` below is the
development default, and a clinic MUST set its own: references are short, so without a
secret key the hashes could be reversed by trying them all). Rows older than a day are
deleted as new ones are written.

The function writes (the failure record) but does not commit: call it inside a unit of
work that commits, such as ``bot.db.session.session_scope()``.

Nothing here logs patient data (references, birth dates, session dates): only outcomes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import Enum

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.clinic import clinic_context
from bot.db.models import (
    LookupFailure,
    Patient,
    SessionStatus,
    TreatmentSession,
    utc_now,
)
from bot.due_dates.schedule import DueInfo, next_due
from bot.settings import load_settings

logger = logging.getLogger(__name__)

MAX_CONVERSATION_FAILURES = 3
MAX_REFERENCE_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
FAILURE_RETENTION = timedelta(days=1)


# Clinic references: the clinic's prefix, then 3 to 6 digits ("BTX-1001").
REFERENCE_PREFIX = "BTX"
_REFERENCE_IN_TEXT = re.compile(
    r"(?<![a-z0-9])" + REFERENCE_PREFIX.lower() + r"[\s._/-]{0,3}(\d{3,6})(?![a-z0-9])"
)
_MAX_REFERENCE_TEXT = 40
# Plain words only around a reference: no markup, quotes, semicolons, operators...
_UNSAFE_CHARACTERS = re.compile(r"[^a-z0-9\s.,:#!?/_-]")
_SQL_WORDS = re.compile(r"\b(?:select|union|drop|insert|delete|update|table|null)\b|--")
# Compared against when the reference is unknown, so that path does the same work.
_STAND_IN_BIRTH_DATE = date(1900, 1, 1)


class LookupStatus(Enum):
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"
    LOCKED = "locked"


@dataclass(frozen=True)
class LookupResult:
    status: LookupStatus
    due: DueInfo | None = None  # VERIFIED: None when no session is on record
    next_booked: date | None = None  # VERIFIED: earliest scheduled session from today on

    @property
    def verified(self) -> bool:
        return self.status is LookupStatus.VERIFIED

    @property
    def has_session_on_record(self) -> bool:
        return self.due is not None


NOT_VERIFIED = LookupResult(LookupStatus.NOT_VERIFIED)
LOCKED = LookupResult(LookupStatus.LOCKED)


def normalise_reference(text: str | None) -> str | None:
    """The clinic reference in ``text`` in its stored form, or None.

    "btx 1001", "BTX1001", "btx-1001", "my reference is BTX 1001" -> "BTX-1001".
    None for anything else: no reference, two references, over 40 characters, markup,
    quotes, SQL fragments ("BTX-1001'; DROP TABLE ..."), another prefix.
    """
    if not isinstance(text, str):
        return None
    text = text.strip().lower()
    if not text or len(text) > _MAX_REFERENCE_TEXT:
        return None
    words = re.sub(r"(?<=[a-z])['\u2019](?=[a-z])", "", text)  # "it's" is fine, "1001'" is not
    if _UNSAFE_CHARACTERS.search(words) or _SQL_WORDS.search(words):
        return None
    matches = _REFERENCE_IN_TEXT.findall(text)
    if len(matches) != 1:
        return None
    return f"{REFERENCE_PREFIX}-{matches[0]}"


def hash_secret() -> bytes:
    """The key of every keyed hash we store (``LOOKUP_HASH_SECRET``)."""
    return load_settings().lookup_hash_secret.encode()


def reference_hash(reference: str, secret: bytes | None = None) -> str:
    """HMAC-SHA256 (hex, 64 characters) of a normalised reference: what lookup_failures keeps."""
    key = secret if secret is not None else hash_secret()
    return hmac.new(key, reference.encode(), hashlib.sha256).hexdigest()


def _as_naive_utc(now: datetime | None) -> datetime:
    if now is None:
        return utc_now()
    if now.tzinfo is not None:
        return now.astimezone(timezone.utc).replace(tzinfo=None)
    return now


def recent_failures(session: Session, ref_hash: str, now: datetime) -> int:
    """Failed checks for this reference hash within ``FAILURE_WINDOW`` before ``now``."""
    return session.execute(
        select(func.count(LookupFailure.id)).where(
            LookupFailure.reference_hash == ref_hash,
            LookupFailure.created_at > now - FAILURE_WINDOW,
        )
    ).scalar_one()


def _record_failure(session: Session, ref_hash: str, now: datetime) -> None:
    session.execute(delete(LookupFailure).where(LookupFailure.created_at < now - FAILURE_RETENTION))
    session.add(LookupFailure(reference_hash=ref_hash, created_at=now))
    session.flush()


def _latest_done_session(session: Session, patient_id: int, today: date) -> date | None:
    return session.execute(
        select(func.max(TreatmentSession.session_date)).where(
            TreatmentSession.patient_id == patient_id,
            TreatmentSession.status == SessionStatus.DONE,
            TreatmentSession.session_date <= today,
        )
    ).scalar_one()


def _next_booked_session(session: Session, patient_id: int, today: date) -> date | None:
    return session.execute(
        select(func.min(TreatmentSession.session_date)).where(
            TreatmentSession.patient_id == patient_id,
            TreatmentSession.status == SessionStatus.SCHEDULED,
            TreatmentSession.session_date >= today,
        )
    ).scalar_one()


def verify_and_get_due(
    session: Session,
    reference: str | None,
    birth_date: date,
    today: date,
    conversation_failures: int,
    *,
    now: datetime | None = None,
    interval_weeks: int | None = None,
) -> LookupResult:
    """Check a reference and date of birth; if they match, the patient's next due date.

    ``reference``: as typed or already normalised (``normalise_reference`` is applied).
    ``today``: the clinic's date (``Clinic.today()``). ``conversation_failures``:
    failed checks so far in this conversation. ``now``: the time for the 15-minute window
    (default: the current UTC time). ``interval_weeks``: default the clinic setting.
    See the module docstring for the results.
    """
    result = _verify(
        session, reference, birth_date, today, conversation_failures, now, interval_weeks
    )
    logger.info("identity check: %s", result.status.value)
    return result


def _verify(
    session: Session,
    reference: str | None,
    birth_date: date,
    today: date,
    conversation_failures: int,
    now: datetime | None,
    interval_weeks: int | None,
) -> LookupResult:
    if conversation_failures >= MAX_CONVERSATION_FAILURES:
        return LOCKED
    normalised = normalise_reference(reference)
    if normalised is None:
        return NOT_VERIFIED  # not a reference at all: nothing to look up or count
    moment = _as_naive_utc(now)
    ref_hash = reference_hash(normalised)
    if recent_failures(session, ref_hash, moment) >= MAX_REFERENCE_FAILURES:
        return LOCKED

    patient = session.execute(
        select(Patient).where(Patient.reference == normalised)
    ).scalar_one_or_none()
    expected = patient.date_of_birth if patient is not None else _STAND_IN_BIRTH_DATE
    matches = hmac.compare_digest(expected.isoformat(), birth_date.isoformat())
    if patient is None or not matches:
        _record_failure(session, ref_hash, moment)
        return NOT_VERIFIED

    next_booked = _next_booked_session(session, patient.id, today)
    last = _latest_done_session(session, patient.id, today)
    if last is None:
        return LookupResult(LookupStatus.VERIFIED, next_booked=next_booked)
    weeks = interval_weeks if interval_weeks is not None else clinic_context(session).interval_weeks
    return LookupResult(LookupStatus.VERIFIED, next_due(last, today, weeks), next_booked)
