"""The patient in control: privacy, "what do you know about me?", "forget me".

Thin adapters over ``bot.privacy.erasure``. The erasure itself happens in the tracker store
(``bot.rasa.tracker_store``): ``action_forget_me`` runs only after the patient confirmed, and
returns the marker slot the store acts on when it saves this turn.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.content.repository import get_live_content
from bot.db.session import in_session
from bot.handoff import callbacks as handoff
from bot.privacy import erasure as privacy
from bot.rasa.tracker_store import ERASE_SLOT
from bot.settings import load_settings

logger = logging.getLogger(__name__)


class ActionExplainPrivacy(Action):
    def name(self) -> str:
        return "action_explain_privacy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(text=privacy.privacy_text())
        return []


class ActionWhatYouKnow(Action):
    """What this conversation holds: its slots and its call-back requests. Nothing else."""

    def name(self) -> str:
        return "action_what_you_know"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        callbacks: list[handoff.InboxItem] = []
        try:
            callbacks = in_session(handoff.callbacks_for_conversation, tracker.sender_id)
        except Exception as exc:
            logger.error("could not read call-back requests: %s", type(exc).__name__)
        content = get_live_content(load_settings().database_url)
        titles = {key: topic.title for key, topic in content.topics.items()}
        dispatcher.utter_message(
            text=privacy.what_you_know_text(tracker.slots, callbacks, topic_titles=titles)
        )
        return []


class ActionForgetMe(Action):
    """After the patient confirmed: the tracker store erases this conversation when it
    saves this turn (the ERASE_SLOT marker), with its call-back requests and feedback."""

    def name(self) -> str:
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_forgotten")
        return [SlotSet(ERASE_SLOT, True)]
