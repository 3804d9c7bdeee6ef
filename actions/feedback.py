"""Thumbs up or down on an answer: stored per topic for the staff insights page."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.db.session import in_session
from bot.insights.records import record_feedback

logger = logging.getLogger(__name__)


class ActionRecordFeedback(Action):
    def name(self) -> str:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        helpful = intent == "feedback_helpful"
        topic = tracker.get_slot("feedback_topic")
        if topic:  # one vote per answer: the slot is cleared below
            try:
                in_session(record_feedback, tracker.sender_id, topic, helpful)
            except Exception as exc:
                logger.error("could not record feedback: %s", type(exc).__name__)
        dispatcher.utter_message(
            response="utter_feedback_thanks" if helpful else "utter_feedback_sorry"
        )
        return [SlotSet("feedback_topic", None)]
