"""``action_answer_faq``: answers questions from the knowledge base (staff-managed entries).

The answers are the published entries in the clinic database (``DATABASE_URL``), checked
for change on every message, so a wording staff publish is live on the next message.
A question the facts sheet does not answer ("no reliable information") is recorded for
staff (the insights page) and offered a call-back.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.clinic import clinic_context
from bot.content.answers import NO_RELIABLE_INFO, compose_reply, message_kwargs
from bot.content.repository import get_live_content
from bot.db.session import in_session
from bot.insights.records import NO_RELIABLE_INFO as KIND_NO_RELIABLE_INFO
from bot.insights.records import (
    feedback_topic,
    record_unanswered,
    with_feedback_buttons,
)
from bot.settings import load_settings

logger = logging.getLogger(__name__)

CALLBACK_BUTTONS = [
    {"title": "Request a call-back", "payload": "/request_callback"},
    {"title": "No thanks", "payload": "/deny"},
]


def area_values(latest: dict[str, Any]) -> list[str]:
    return [
        e["value"]
        for e in latest.get("entities") or []
        if e.get("entity") == "injection_area" and isinstance(e.get("value"), str)
    ]


def record_question(tracker: Tracker, kind: str, candidates: list[str]) -> None:
    """Store the latest message (redacted) for the insights page; never fails the reply."""
    text = (tracker.latest_message or {}).get("text") or ""
    try:
        in_session(record_unanswered, tracker.sender_id, text, kind=kind, candidates=candidates)
    except Exception as exc:  # insights are optional
        logger.error("could not record a question for staff: %s", type(exc).__name__)


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        latest = tracker.latest_message or {}
        settings = load_settings()
        content = get_live_content(settings.database_url)
        intent = (latest.get("intent") or {}).get("name")
        reply = compose_reply(
            content,
            intent=intent,
            ranking=latest.get("intent_ranking") or [],
            areas=area_values(latest),
            expandable_topic=tracker.get_slot("last_topic"),
            text=latest.get("text") or "",
            values={"clinic_phone": clinic_context(settings=settings).phone},
        )
        if intent == NO_RELIABLE_INFO and content.get(NO_RELIABLE_INFO) is not None:
            record_question(tracker, KIND_NO_RELIABLE_INFO, [])
            reply.messages[-1].buttons = []
            for message in reply.messages:
                dispatcher.utter_message(**message_kwargs(message))
            dispatcher.utter_message(
                text="Would you like the clinic to call you back?", buttons=CALLBACK_BUTTONS
            )
            return [SlotSet("last_topic", reply.expandable_topic), SlotSet("feedback_topic", None)]
        # Thumbs up/down under the answer (bot/insights; actions/feedback.py records them).
        rated = feedback_topic(content, intent, tracker.get_slot("last_topic"))
        for message in with_feedback_buttons(reply.messages, rated):
            dispatcher.utter_message(**message_kwargs(message))
        return [SlotSet("last_topic", reply.expandable_topic), SlotSet("feedback_topic", rated)]
