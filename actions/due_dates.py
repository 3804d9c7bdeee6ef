"""Next due date: the two forms' validation and the answers.

Thin adapters: parsing, arithmetic, identity checks and wording live in ``bot`` (plain
functions with unit tests); here we only read the tracker and return events.

Privacy: nothing here logs a reference, a date of birth or a session date. The birth
date slot is cleared as soon as the check has run, whatever its outcome.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.clinic import clinic_context
from bot.content.answers import in_form_question, message_kwargs
from bot.content.repository import get_live_content
from bot.due_dates import replies as due_replies
from bot.due_dates.identity import LookupStatus, normalise_reference
from bot.due_dates.lookup import look_up_due_date
from bot.due_dates.parsing import parse_birth_date, parse_date
from bot.settings import load_settings

logger = logging.getLogger(__name__)

MAX_FAILURES_PER_CONVERSATION = 3
_REFERENCE_RE = re.compile(r"\bBTX\s*-?\s*\d{3,6}\b", re.IGNORECASE)


def _failures(tracker: Tracker) -> int:
    return int(tracker.get_slot("lookup_failures") or 0)


def _latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def answered_in_form(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """A question typed where the form wanted something else, answered (True), so the
    form asks its question again instead of saying "that doesn't look like a date"."""
    latest = tracker.latest_message or {}
    settings = load_settings()
    clinic = clinic_context(settings=settings)
    reply = in_form_question(
        get_live_content(settings.database_url),
        latest.get("intent_ranking") or [],
        latest.get("text") or "",
        {"clinic_phone": clinic.phone},
    )
    if reply is None:
        return False
    for message in reply.messages:
        dispatcher.utter_message(**message_kwargs(message))
    return True


def _previous_user_text(tracker: Tracker) -> str:
    """The patient's message before the latest one ("" if none)."""
    seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen += 1
            if seen == 2:
                return event.get("text") or ""
    return ""


class ActionStartDueDate(Action):
    """Asked for the next due date (or a date or a clinic reference given out of the blue):
    work it out at once from a date in this message or the one before it; a clinic
    reference starts the record look-up with it; else ask how."""

    def name(self) -> str:
        return "action_start_due_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        clinic = clinic_context()
        today = clinic.today()
        text = _latest_text(tracker)
        asked_missed = due_replies.asks_if_missed(text)
        events: list[EventType] = [SlotSet("due_asked_missed", asked_missed)]
        reference = normalise_reference(text) if _REFERENCE_RE.search(text) else None
        if reference is not None:
            # "BTX-1001" typed straight after "when is my next one due?": look it up.
            return [
                *events,
                SlotSet("patient_reference", reference),
                FollowupAction("due_lookup_form"),
            ]
        parsed = parse_date(text, today)
        if parsed.value is None:
            earlier = parse_date(_previous_user_text(tracker), today)
            parsed = earlier if earlier.value is not None else parsed
        if parsed.value is not None:
            note = due_replies.reading_note(parsed)
            if note:
                dispatcher.utter_message(text=note)
            dispatcher.utter_message(
                text=due_replies.from_last_session(
                    parsed.value, today, clinic.phone, clinic.interval_weeks,
                    asked_missed=asked_missed,
                )
            )  # fmt: skip
            return events
        dispatcher.utter_message(response="utter_due_date_how")
        return events


class ValidateDueLookupForm(FormValidationAction):
    def name(self) -> str:
        return "validate_due_lookup_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # Locked conversations skip the questions; action_lookup_due_date explains.
        if _failures(tracker) >= MAX_FAILURES_PER_CONVERSATION:
            return []
        return domain_slots

    def validate_patient_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reference = normalise_reference(value if isinstance(value, str) else "")
        if reference is None:
            if not answered_in_form(dispatcher, tracker):
                dispatcher.utter_message(text=due_replies.BAD_REFERENCE)
            return {"patient_reference": None}
        return {"patient_reference": reference}

    def validate_date_of_birth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        today = clinic_context().today()
        parsed = parse_birth_date(value if isinstance(value, str) else "", today)
        if parsed.value is None:
            if not answered_in_form(dispatcher, tracker):
                dispatcher.utter_message(text=due_replies.birth_date_problem(parsed))
            return {"date_of_birth": None}
        return {"date_of_birth": parsed.value.isoformat()}


class ActionLookupDueDate(Action):
    """Check identity, then answer from the clinic records. Clears the birth date."""

    def name(self) -> str:
        return "action_lookup_due_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        failures = _failures(tracker)
        clear = [SlotSet("date_of_birth", None), SlotSet("patient_reference", None)]
        reference = tracker.get_slot("patient_reference")
        birth = tracker.get_slot("date_of_birth")
        if failures >= MAX_FAILURES_PER_CONVERSATION or not reference or not birth:
            dispatcher.utter_message(text=due_replies.locked(clinic_context().phone))
            return clear
        try:
            outcome = look_up_due_date(reference, date.fromisoformat(birth), failures)
        except Exception as exc:  # the clinic database is down: say so kindly
            # Only the error's class: database errors quote the query's parameters, and
            # those are patient data.
            logger.error("due date look-up failed: %s", type(exc).__name__)
            dispatcher.utter_message(text=due_replies.lookup_unavailable(clinic_context().phone))
            return clear
        result, clinic = outcome.result, outcome.clinic
        logger.info("due date look-up: %s", result.status.value)
        if result.status is LookupStatus.VERIFIED:
            reply = due_replies.from_record(
                result,
                clinic.today(),
                clinic.phone,
                asked_missed=bool(tracker.get_slot("due_asked_missed")),
            )
            dispatcher.utter_message(text=reply)
            return [*clear, SlotSet("lookup_failures", 0.0)]
        if result.status is LookupStatus.LOCKED:
            dispatcher.utter_message(text=due_replies.locked(clinic.phone))
            return [*clear, SlotSet("lookup_failures", float(MAX_FAILURES_PER_CONVERSATION))]
        failures += 1
        if failures >= MAX_FAILURES_PER_CONVERSATION:
            dispatcher.utter_message(text=due_replies.locked(clinic.phone))
        else:
            dispatcher.utter_message(text=due_replies.NOT_VERIFIED)
        return [*clear, SlotSet("lookup_failures", float(failures))]


class ValidateLastSessionForm(FormValidationAction):
    def name(self) -> str:
        return "validate_last_session_form"

    def validate_last_session_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        clinic = clinic_context()
        parsed = parse_date(value if isinstance(value, str) else "", clinic.today())
        if parsed.value is None:
            if not answered_in_form(dispatcher, tracker):
                dispatcher.utter_message(
                    text=due_replies.last_session_problem(parsed, clinic.phone)
                )
            return {"last_session_date": None}
        note = due_replies.reading_note(parsed)
        if note:
            dispatcher.utter_message(text=note)
        return {"last_session_date": parsed.value.isoformat()}


class ActionCalculateDueDate(Action):
    def name(self) -> str:
        return "action_calculate_due_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        value = tracker.get_slot("last_session_date")
        if value:
            clinic = clinic_context()
            dispatcher.utter_message(
                text=due_replies.from_last_session(
                    date.fromisoformat(value),
                    clinic.today(),
                    clinic.phone,
                    clinic.interval_weeks,
                    asked_missed=bool(tracker.get_slot("due_asked_missed")),
                )
            )
        return [SlotSet("last_session_date", None)]
