"""Handoff to the clinic: the offer (phone, opening hours, call-back), the call-back form
and storing the request with its transcript.

Thin adapters over ``bot.handoff.callbacks`` (contact details, checks, transcript, storage).
Privacy: nothing here logs what the patient typed.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.faq import CALLBACK_BUTTONS, area_values, record_question
from bot.clinic import clinic_context
from bot.content.answers import area_follow_up, did_you_mean, message_kwargs
from bot.content.repository import get_live_content
from bot.db.session import in_session
from bot.handoff import callbacks as handoff
from bot.insights.records import NOT_UNDERSTOOD
from bot.settings import load_settings

logger = logging.getLogger(__name__)

CALLBACK_SLOTS = ("callback_name", "callback_phone", "callback_time", "callback_reason")
OFFER_BUTTONS = CALLBACK_BUTTONS
_REASONS = {"ask_personal_advice": "advice", "nlu_fallback": "misunderstood"}


def _intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def offer_handoff(dispatcher: CollectingDispatcher, reason: str) -> None:
    contact = handoff.load_contact()
    dispatcher.utter_message(
        text=handoff.offer_text(contact, reason=reason), buttons=list(OFFER_BUTTONS)
    )


def record_not_understood(tracker: Tracker, candidates: list[str] | None = None) -> None:
    """Store the latest message (redacted) for the insights page; never fails the reply."""
    record_question(tracker, NOT_UNDERSTOOD, candidates or [])


class ActionOfferHandoff(Action):
    """Phone number, opening hours and a call-back: for "can I talk to a nurse?", after a
    question the assistant must not answer (own dose, stopping treatment), and for the
    second message in a row it did not understand (data/rules/safety.yml)."""

    def name(self) -> str:
        return "action_offer_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = _intent(tracker) or ""
        if intent == "nlu_fallback":
            record_not_understood(tracker)
        offer_handoff(dispatcher, _REASONS.get(intent, "request"))
        return []


class ActionHandleFallback(Action):
    """A message the classifier was unsure about.

    An area named right after an answer about the injection areas ("and the neck?") is
    that area's question. Otherwise "Did you mean ...?" with the most likely entries (and
    "Something else"), or, when no entry is likely, "please rephrase". The message and
    its candidates are recorded (redacted) for the insights page. A second one in a row
    goes to action_offer_handoff (a rule).
    """

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        latest = tracker.latest_message or {}
        settings = load_settings()
        content = get_live_content(settings.database_url)
        values = {"clinic_phone": clinic_context(settings=settings).phone}
        follow_up = area_follow_up(
            content,
            areas=area_values(latest),
            expandable_topic=tracker.get_slot("last_topic"),
            text=latest.get("text") or "",
            values=values,
        )
        if follow_up is not None:
            for message in follow_up.messages:
                dispatcher.utter_message(**message_kwargs(message))
            return [SlotSet("last_topic", follow_up.expandable_topic)]
        ranking = [r for r in latest.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
        reply = did_you_mean(content, ranking, values)
        record_not_understood(tracker, reply.candidates if reply is not None else [])
        if reply is None:
            dispatcher.utter_message(response="utter_please_rephrase")
        else:
            for message in reply.messages:
                dispatcher.utter_message(**message_kwargs(message))
        return []


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    def validate_callback_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = handoff.clean_name(value)
        if name is None:
            dispatcher.utter_message(response="utter_callback_bad_name")
        return {"callback_name": name}

    def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phone = handoff.clean_phone(value)
        if phone is None:
            dispatcher.utter_message(response="utter_callback_bad_phone")
        return {"callback_phone": phone}

    def validate_callback_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        best = handoff.clean_best_time(value)
        if best is None:
            dispatcher.utter_message(response="utter_callback_too_long")
        return {"callback_time": best}

    def validate_callback_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reason = handoff.clean_reason(value)
        if reason is None:
            dispatcher.utter_message(response="utter_callback_too_long")
        return {"callback_reason": reason}


def latest_message_id(events: list[dict[str, Any]]) -> str | None:
    """The ``message_id`` of the latest user message (Rasa's idempotency key, see
    ``bot/rasa/idempotency.py``), or None."""
    for event in reversed(events):
        if event.get("event") == "user":
            return str(event["message_id"]) if event.get("message_id") else None
    return None


class ActionSubmitCallback(Action):
    """Store the call-back request with the conversation so far; say when they'll call."""

    def name(self) -> str:
        return "action_submit_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        clear: list[EventType] = [SlotSet(slot, None) for slot in CALLBACK_SLOTS]
        values = {slot: tracker.get_slot(slot) for slot in CALLBACK_SLOTS}
        contact = handoff.load_contact()
        if not all(values.values()):
            dispatcher.utter_message(response="utter_form_cancelled")
            return clear
        try:
            in_session(
                handoff.save_callback,
                conversation_id=tracker.sender_id,
                name=values["callback_name"],
                phone=values["callback_phone"],
                best_time=values["callback_time"],
                reason=values["callback_reason"],
                transcript=handoff.transcript_from_events(tracker.events),
                # The message that completed the form: a second processing of that
                # message finds this request instead of storing another one.
                message_id=latest_message_id(tracker.events),
            )
        except Exception as exc:  # the clinic database is down: say so, give the number
            logger.error("could not store a call-back request: %s", type(exc).__name__)
            dispatcher.utter_message(
                text=(
                    "Sorry, I couldn't pass on your request just now. Please call the clinic "
                    f"on **{contact.phone}** ({contact.hours_text})."
                )
            )
            return clear
        logger.info("call-back request stored")
        dispatcher.utter_message(
            text=handoff.confirmation_text(
                values["callback_name"], values["callback_phone"], values["callback_time"], contact
            )
        )
        return clear


class ActionResetCallbackForm(Action):
    """Forget what the call-back form had collected (cancel, red flag, forget me)."""

    def name(self) -> str:
        return "action_reset_callback_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return [SlotSet(slot, None) for slot in CALLBACK_SLOTS]
