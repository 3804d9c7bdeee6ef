"""The record look-up as one unit of work: the clinic context and the identity check read
in one database session, so the action server's adapter opens none itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.clinic import Clinic, clinic_context
from bot.db.session import session_scope
from bot.due_dates.identity import LookupResult, verify_and_get_due


@dataclass(frozen=True)
class LookupOutcome:
    result: LookupResult
    clinic: Clinic  # as read in the same unit of work: its today, interval and phone


def look_up_due_date(reference: str, birth_date: date, conversation_failures: int) -> LookupOutcome:
    """Check the reference and date of birth and, if they match, the next due date.
    Database errors propagate: the caller says "not available now" (and logs the class)."""
    with session_scope() as session:
        clinic = clinic_context(session)
        result = verify_and_get_due(
            session,
            reference,
            birth_date,
            clinic.today(),
            conversation_failures,
            interval_weeks=clinic.interval_weeks,
        )
    return LookupOutcome(result=result, clinic=clinic)
