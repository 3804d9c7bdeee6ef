"""Handoff to the clinic: contact details, the call-back request and the staff inbox.

Plain functions, unit-tested without Rasa (tests/unit/test_handoff.py,
tests/db/test_callbacks.py); ``actions/handoff.py`` adapts them to the dialogue.

* ``load_contact()``: the clinic's phone number, opening times and "now", from the clinic
  context (``bot.clinic``: environment, then the clinic settings row, then the default).
* ``offer_text`` / ``callback_timing`` / ``confirmation_text``: what the patient is told,
  including when the clinic will call if it is closed now.
* ``clean_name`` / ``clean_phone`` / ``clean_best_time`` / ``clean_reason``: the call-back
  form's checks; the phone number is checked as a real number with ``phonenumbers``.
* ``transcript_from_events``: the conversation that led to the request, with the
  identity-check answers (clinic reference, date of birth) removed.
* ``save_callback``, ``callback_inbox``, ``open_callback_count``, ``mark_done``,
  ``callbacks_for_conversation``: the data side of the staff call-back inbox
  (``/admin/callbacks``, ``bot/web/admin``).

Privacy: nothing here logs a name, a phone number, a reason or a transcript.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.channels.format import escape_markdown
from bot.clinic import Clinic, SessionFactory, clinic_context
from bot.db.models import (
    CALLBACK_NAME_MAX,
    CALLBACK_PHONE_MAX,
    CALLBACK_REASON_MAX,
    CALLBACK_TIME_MAX,
    CallbackRequest,
    utc_now,
)
from bot.handoff.opening_hours import (
    Schedule,
    closing_time,
    is_open,
    next_opening,
    say_time,
    say_when,
)
from bot.handoff.phone_numbers import format_phone
from bot.settings import load_settings

logger = logging.getLogger(__name__)

TRANSCRIPT_MAX_MESSAGES = 40
TRANSCRIPT_TEXT_MAX = 1000
# Slots whose answers are identity details: removed from transcripts.
IDENTITY_SLOTS = frozenset({"patient_reference", "date_of_birth"})
REMOVED = "[identity check answer removed]"
_REFERENCE_RE = re.compile(r"\bBTX\s*-?\s*\d{3,6}\b", re.IGNORECASE)


# --- contact details ------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    phone: str
    hours_text: str  # "Monday to Friday, 9am to 5pm"
    schedule: Schedule
    now: datetime  # in the clinic's time zone


def contact_of(clinic: Clinic) -> Contact:
    return Contact(
        phone=clinic.phone, hours_text=clinic.hours_text, schedule=clinic.schedule, now=clinic.now()
    )


def load_contact(session_factory: SessionFactory | None = None) -> Contact:
    """The clinic's contact details now. A database error gives the configured defaults.

    ``session_factory``: a callable returning a context manager that yields a Session
    (default: a unit of work on the clinic database).
    """
    return contact_of(clinic_context(session_factory=session_factory))


def callback_timing(contact: Contact) -> str:
    """When the clinic will call: now if open, else when it next opens."""
    if is_open(contact.schedule, contact.now):
        closes = closing_time(contact.schedule, contact.now)
        until = f" (until {say_time(closes)} today)" if closes else ""
        return f"The clinic is open now{until}: the team will call you as soon as they can."
    opening = next_opening(contact.schedule, contact.now)
    if opening is None:
        return "The clinic is closed now: the team will call you when it reopens."
    return (
        "The clinic is closed now, so the team will call you after it opens "
        f"**{say_when(opening, contact.now)}**."
    )


def offer_text(contact: Contact, *, reason: str = "request") -> str:
    """The handoff offer. ``reason``: request (asked for a person), advice (a question the
    assistant must not answer), misunderstood (two fallbacks in a row)."""
    hours = f"The clinic is open {contact.hours_text}."
    if reason == "advice":
        return f"{hours} Would you like the clinic team to call you back about it?"
    lead = {
        "misunderstood": (
            "Sorry, I'm having trouble understanding. The clinic team can help: "
            f"call them on **{contact.phone}**."
        ),
    }.get(reason, f"You can talk to the clinic team on **{contact.phone}**.")
    return f"{lead} {hours} Or I can ask them to call you back."


def confirmation_text(name: str, phone: str, best_time: str, contact: Contact) -> str:
    """The reply once a call-back request is stored. The name and the best time are the
    patient's own words, shown exactly as typed (never as Markdown); the phone number is
    the one ``clean_phone`` formatted."""
    return (
        f"Thank you, {escape_markdown(name)}. I've asked the clinic team to call you "
        f"on **{phone}** (best time: {escape_markdown(best_time)}). "
        f"{callback_timing(contact)}\n\n"
        "If your symptoms get worse, or you have trouble swallowing, speaking or "
        "breathing, don't wait: call emergency services."
    )


# --- the call-back form's checks -------------------------------------------------------


def _squash(value: Any) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def clean_name(value: Any) -> str | None:
    """A name: some letters, no more than a few digits, at most CALLBACK_NAME_MAX chars."""
    text = _squash(value).strip(" .,!")
    if not text or len(text) > CALLBACK_NAME_MAX:
        return None
    if not any(c.isalpha() for c in text) or sum(c.isdigit() for c in text) > 0:
        return None
    return text


def phone_region() -> str:
    """Where a phone number without a country code is read (``PHONE_REGION``, default GB)."""
    return load_settings().phone_region


def clean_phone(value: Any, region: str | None = None) -> str | None:
    """A valid phone number, formatted for staff (national if in ``region``, else
    international); None if it is not a valid number."""
    text = _squash(value)
    if not text or len(text) > CALLBACK_PHONE_MAX:
        return None
    return format_phone(text, region or phone_region())


def clean_best_time(value: Any) -> str | None:
    text = _squash(value)
    return text if 0 < len(text) <= CALLBACK_TIME_MAX else None


def clean_reason(value: Any) -> str | None:
    text = _squash(value)
    return text if 0 < len(text) <= CALLBACK_REASON_MAX else None


def masked_phone(phone: str) -> str:
    """'ending in 123': enough for the patient to recognise, little to anyone else."""
    digits = [c for c in phone if c.isdigit()]
    return f"ending in {''.join(digits[-3:])}" if len(digits) >= 3 else "given"


# --- the transcript ----------------------------------------------------------------------


def transcript_from_events(
    events: Iterable[Mapping[str, Any]], limit: int = TRANSCRIPT_MAX_MESSAGES
) -> list[dict[str, str]]:
    """The patient's and the bot's messages, oldest first, the last ``limit`` of them.

    A patient message answering an identity question (clinic reference, date of birth) is
    replaced by ``REMOVED``; a clinic reference written anywhere else is masked too.
    """
    lines: list[dict[str, str]] = []
    requested: str | None = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
        elif kind == "active_loop" and not event.get("name"):
            requested = None
        elif kind == "user":
            text = event.get("text") or ""
            if text.startswith("/"):  # a button payload; its title is not in the event
                continue
            if requested in IDENTITY_SLOTS:
                text = REMOVED
            lines.append({"from": "patient", "text": _mask(text)})
        elif kind == "bot" and event.get("text"):
            lines.append({"from": "bot", "text": _mask(event["text"])})
    return lines[-limit:]


def _mask(text: str) -> str:
    return _REFERENCE_RE.sub("[reference removed]", text)[:TRANSCRIPT_TEXT_MAX]


# --- the call-back requests (the inbox's data side) --------------------------------------


@dataclass(frozen=True)
class InboxItem:
    id: int
    name: str
    phone: str
    best_time: str
    reason: str
    created_at: datetime
    done_at: datetime | None
    done_by: str | None
    transcript: list[dict[str, str]]

    @property
    def done(self) -> bool:
        return self.done_at is not None


def save_callback(
    session: Session,
    *,
    conversation_id: str,
    name: str,
    phone: str,
    best_time: str,
    reason: str,
    transcript: Sequence[Mapping[str, str]],
    now: datetime | None = None,
    message_id: str | None = None,
) -> CallbackRequest:
    """Store a call-back request; the one already stored if ``message_id`` made one before.

    A message is processed twice when its Rasa replica died after this was stored but
    before the conversation was saved (``bot/rasa/idempotency.py``): the patient asked once.
    """
    if message_id:
        earlier = session.execute(
            select(CallbackRequest).where(
                CallbackRequest.conversation_id == conversation_id,
                CallbackRequest.message_id == message_id,
            )
        ).scalar_one_or_none()
        if earlier is not None:
            return earlier
    request = CallbackRequest(
        conversation_id=conversation_id,
        message_id=message_id,
        name=name[:CALLBACK_NAME_MAX],
        phone=phone,
        best_time=best_time[:CALLBACK_TIME_MAX],
        reason=reason[:CALLBACK_REASON_MAX],
        transcript=json.dumps(list(transcript), ensure_ascii=False),
        created_at=now or utc_now(),
    )
    session.add(request)
    session.flush()
    return request


def _item(row: CallbackRequest) -> InboxItem:
    try:
        transcript = json.loads(row.transcript or "[]")
    except ValueError:
        transcript = []
    return InboxItem(
        id=row.id,
        name=row.name,
        phone=row.phone,
        best_time=row.best_time,
        reason=row.reason,
        created_at=row.created_at,
        done_at=row.done_at,
        done_by=row.done_by,
        transcript=transcript if isinstance(transcript, list) else [],
    )


def callback_inbox(session: Session, *, include_done: bool = True) -> list[InboxItem]:
    """Every call-back request, newest first (open ones only with include_done=False)."""
    query = select(CallbackRequest).order_by(
        CallbackRequest.created_at.desc(), CallbackRequest.id.desc()
    )
    if not include_done:
        query = query.where(CallbackRequest.done_at.is_(None))
    return [_item(row) for row in session.execute(query).scalars()]


def open_callback_count(session: Session) -> int:
    """How many call-back requests are not done yet (for the staff navigation)."""
    query = select(func.count(CallbackRequest.id)).where(CallbackRequest.done_at.is_(None))
    return int(session.execute(query).scalar() or 0)


def get_callback(session: Session, request_id: int) -> InboxItem | None:
    row = session.get(CallbackRequest, request_id)
    return _item(row) if row is not None else None


def mark_done(
    session: Session, request_id: int, *, by: str | None = None, now: datetime | None = None
) -> bool:
    """Mark a request done (idempotent: a done one keeps its first time). False if unknown."""
    row = session.get(CallbackRequest, request_id)
    if row is None:
        return False
    if row.done_at is None:
        row.done_at = now or utc_now()
        row.done_by = (by or "")[:100] or None
    return True


def callbacks_for_conversation(session: Session, conversation_id: str) -> list[InboxItem]:
    query = (
        select(CallbackRequest)
        .where(CallbackRequest.conversation_id == conversation_id)
        .order_by(CallbackRequest.created_at.desc(), CallbackRequest.id.desc())
    )
    return [_item(row) for row in session.execute(query).scalars()]


def delete_callbacks_for_conversation(session: Session, conversation_id: str) -> int:
    result = session.execute(
        delete(CallbackRequest).where(CallbackRequest.conversation_id == conversation_id)
    )
    return result.rowcount or 0
