"""Compose the assistant's educational replies from the content (the published topics).

Plain functions of (content, what the NLU understood, conversation state), so they are
unit-tested without Rasa; ``actions/faq.py`` only adapts them to Rasa events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.content.store import Content, Topic, render

AREAS_TOPIC = "injection_areas"
ASK_MORE = "ask_more"
AFFIRM = "affirm"
RED_FLAG = "report_red_flag"

# A second FAQ intent at least this confident is offered as a button ("You might also
# want to know: ..."): a patient who asked two things in one message gets the main
# answer and a one-tap way to the other. Never an unasked answer, so a low bar is safe.
ALSO_ASKED_MIN_CONFIDENCE = 0.15
# After a red-flag message, the classifier's own best guess is answered too when it is a
# treatment topic this confident ("it's hard to swallow, is that a side effect?").
AFTER_RED_FLAG_MIN_CONFIDENCE = 0.4


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass
class BotMessage:
    text: str | None = None
    buttons: list[Button] = field(default_factory=list)
    response: str | None = None  # a domain response name instead of text


@dataclass
class Reply:
    messages: list[BotMessage]
    # The topic the patient can now say "tell me more" about (None: nothing to expand).
    expandable_topic: str | None


def _topic_button(topic: Topic) -> Button:
    return Button(title=topic.title, payload=f"/{topic.intent}")


def _area_texts(topic: Topic, areas: Sequence[str], values: Mapping[str, str]) -> list[str]:
    texts = []
    for area in areas:
        if area in topic.areas:
            texts.append(render(topic.areas[area], values))
        elif topic.other_area:
            texts.append(render(topic.other_area, {**values, "area": f"the {area}"}))
    return texts


def _also_asked(
    content: Content, ranking: Sequence[Mapping[str, Any]], answered: Sequence[str]
) -> Topic | None:
    for entry in ranking[1:3]:
        topic = content.by_intent(entry.get("name"))
        if (
            topic is not None
            and topic.key not in answered
            and (entry.get("confidence") or 0.0) >= ALSO_ASKED_MIN_CONFIDENCE
        ):
            return topic
    return None


def answer_topic(
    content: Content,
    topic: Topic,
    *,
    areas: Sequence[str] = (),
    ranking: Sequence[Mapping[str, Any]] = (),
    values: Mapping[str, str],
) -> Reply:
    """The answer to one topic, area-specific when the patient named areas."""
    area_texts = _area_texts(topic, areas, values) if topic.key == AREAS_TOPIC else []
    texts = area_texts or [render(topic.answer, values)]
    messages = [BotMessage(text="\n\n".join(texts))]
    also = _also_asked(content, ranking, [topic.key])
    if also is not None:
        messages.append(
            BotMessage(text="You might also want to know:", buttons=[_topic_button(also)])
        )
    # An area-specific answer is complete; the general areas answer can be expanded.
    return Reply(messages=messages, expandable_topic=None if area_texts else topic.key)


def compose_reply(
    content: Content,
    *,
    intent: str | None,
    ranking: Sequence[Mapping[str, Any]] = (),
    areas: Sequence[str] = (),
    expandable_topic: str | None = None,
    values: Mapping[str, str],
) -> Reply:
    """What to say for the latest message.

    ``expandable_topic`` is the conversation's state: the topic last answered in short,
    which "tell me more" (or "yes" just after it) expands.
    """
    topic = content.by_intent(intent)
    if topic is not None:
        return answer_topic(content, topic, areas=areas, ranking=ranking, values=values)

    if intent in (ASK_MORE, AFFIRM):
        current = content.get(expandable_topic)
        if current is not None and current.more:
            return Reply(
                messages=[BotMessage(text=render(current.more, values))], expandable_topic=None
            )
        if intent == AFFIRM:
            return Reply(messages=[BotMessage(response="utter_affirm_ack")], expandable_topic=None)
        if current is not None:
            text = (
                f"That's the general information I have about {current.title.lower()}. "
                f"For your own situation, please ask the clinic on {values['clinic_phone']}."
            )
            return Reply(messages=[BotMessage(text=text)], expandable_topic=None)
        return Reply(
            messages=[
                BotMessage(
                    text="What would you like to know more about?",
                    buttons=[_topic_button(t) for t in list(content.topics.values())[:6]],
                )
            ],
            expandable_topic=None,
        )

    if intent == RED_FLAG:
        # The emergency advice (utter_red_flag) has already been sent by the rule. If the
        # patient also asked a treatment question, answer it after the advice.
        for entry in ranking[1:2]:
            other = content.by_intent(entry.get("name"))
            if other is not None and (entry.get("confidence") or 0.0) >= (
                AFTER_RED_FLAG_MIN_CONFIDENCE
            ):
                reply = answer_topic(content, other, areas=areas, values=values)
                reply.messages.insert(0, BotMessage(text="About your other question:"))
                return reply
        return Reply(messages=[], expandable_topic=expandable_topic)

    if intent in content.withdrawn:
        # Staff took this topic down: the question is still recognised; send the patient to
        # the clinic rather than to "please rephrase".
        text = (
            "I can't answer that one at the moment. Please ask the clinic on "
            f"{values['clinic_phone']}."
        )
        return Reply(messages=[BotMessage(text=text)], expandable_topic=None)

    return Reply(messages=[BotMessage(response="utter_default")], expandable_topic=None)


def message_kwargs(message: BotMessage) -> dict[str, Any]:
    """Keyword arguments for rasa_sdk's ``dispatcher.utter_message``."""
    if message.response:
        return {"response": message.response}
    kwargs: dict[str, Any] = {"text": message.text}
    if message.buttons:
        kwargs["buttons"] = [{"title": b.title, "payload": b.payload} for b in message.buttons]
    return kwargs
