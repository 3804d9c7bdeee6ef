"""``action_answer_faq``: answers treatment questions from the staff-managed content.

The answers are the published topics in the clinic database (``DATABASE_URL``), checked
for change on every message, so a wording staff publish is live on the next message.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.clinic import clinic_context
from bot.content.answers import compose_reply, message_kwargs
from bot.content.repository import get_live_content
from bot.insights.records import feedback_topic, with_feedback_buttons
from bot.settings import load_settings


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
            areas=[
                e["value"]
                for e in latest.get("entities") or []
                if e.get("entity") == "injection_area" and isinstance(e.get("value"), str)
            ],
            expandable_topic=tracker.get_slot("last_topic"),
            values={"clinic_phone": clinic_context(settings=settings).phone},
        )
        # Thumbs up/down under the answer (bot/insights.py; actions/feedback.py records them).
        rated = feedback_topic(content, intent, tracker.get_slot("last_topic"))
        for message in with_feedback_buttons(reply.messages, rated):
            dispatcher.utter_message(**message_kwargs(message))
        return [SlotSet("last_topic", reply.expandable_topic), SlotSet("feedback_topic", rated)]
