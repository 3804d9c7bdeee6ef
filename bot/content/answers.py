"""Compose the assistant's educational replies from the knowledge base (published entries).

Plain functions of (content, what the NLU understood, conversation state), so they are
unit-tested without Rasa; ``actions/faq.py`` only adapts them to Rasa events.

* An entry's answer with its related entries as follow-up buttons under it (one bubble,
  not a separate "Related:" message that reads as an empty reply).
* A question about one injection area gets that area's entry (the spaCy
  ``InjectionAreaExtractor`` names it), also as a follow-up ("and the neck?") right after
  an answer about the injection areas; "is it only the forehead?" gets "no" and the seven.
  "How many injections in the neck?" gets the neck's entry (its count and units), and so
  does "how many there?" right after the neck's answer.
* "Tell me more" (or "yes" just after an answer) gives the entry's longer text if it has
  one, else its related entries as buttons.
* Unsure: "Did you mean ...?" with the two or three most likely entries as buttons and
  "Something else", which leads to the clinic's number and a call-back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.content.store import Content, Entry, render

ASK_MORE = "ask_more"
AFFIRM = "affirm"
RED_FLAG = "report_red_flag"
NO_RELIABLE_INFO = "no_reliable_info"
OWN_EXPERIENCE = "own_experience"
AREAS_TOPIC = "injection_areas"
ONLY_ONE_AREA = "only_one_area"
# The InjectionAreaExtractor's area keys -> the entry that answers for that area.
AREA_ENTRIES = {
    "eyebrows": "area_between_eyebrows",
    "bridge_of_nose": "area_bridge_of_nose",
    "forehead": "area_forehead",
    "temples": "area_temples",
    "back_of_head": "area_back_of_head",
    "neck": "area_neck",
    "shoulders": "area_shoulders",
}
OTHER_AREA_ENTRY = "area_not_in_protocol"
_ONLY_RE = re.compile(r"\b(only|just|solely|nowhere else|no ?where else)\b", re.IGNORECASE)
# How many injections or units: asked of one area ("how many injections in the neck?"),
# that area's entry is the precise answer (its count and units), not the whole session's.
COUNT_ENTRIES = frozenset({"number_of_injections", "total_dose"})
# "how many there?" / "how many units in that area?" right after one area's answer.
_BACK_REFERENCE_RE = re.compile(
    r"\b(there|that (area|one|part|spot|muscle|bit|place)|those( (areas|muscles|spots))?|"
    r"in (it|them|that))\b",
    re.IGNORECASE,
)
_COUNT_RE = re.compile(
    r"\b(how many|how much (botox|toxin|medicine|of it)|number of|units?|injections?|jabs?|"
    r"shots?|needles?|doses?)\b",
    re.IGNORECASE,
)
# ...unless the patient asks for the whole session ("how many is that in total?").
_WHOLE_RE = re.compile(
    r"\b(total|altogether|all together|in all|overall|whole|everything|every)\b", re.IGNORECASE
)

# A second entry at least this confident is offered as a button ("You might also want to
# know: ..."): a patient who asked two things in one message gets the main answer and a
# one-tap way to the other. Never an unasked answer, so a low bar is safe.
ALSO_ASKED_MIN_CONFIDENCE = 0.15
# After a red-flag message, the classifier's own best guess is answered too when it is an
# entry this confident ("it's hard to swallow, is that a side effect?").
AFTER_RED_FLAG_MIN_CONFIDENCE = 0.4
# "Did you mean ...?": up to this many entries, each at least this likely.
CANDIDATES_MAX = 3
# A patient describing a symptom of their own ("I have a bruise on my forehead since the
# injections") that the classifier files under one side effect, with "own experience" at
# least this likely too, gets the own-experience answer (we cannot judge their case; tell
# the clinic; the 999 signs) and that side effect's entry as a button.
OWN_EXPERIENCE_MIN_CONFIDENCE = 0.25
SIDE_EFFECTS_TOPIC = "side_effects"
CANDIDATE_MIN_CONFIDENCE = 0.05
SOMETHING_ELSE_PAYLOAD = "/request_human"
# Inside a form, a message that is not the answer asked for but reads as a question gets
# the likeliest entry's answer when it is at least this likely (the form then asks
# again): there the alternative is "that doesn't look like a date", never a wrong topic
# served in place of a real answer, so a lower bar than the fallback's is safe.
IN_FORM_MIN_CONFIDENCE = 0.2
_QUESTION_RE = re.compile(
    r"\?|^\W*(wait\W+|sorry\W+|but\W+|and\W+|oh\W+)*(what|whats|how|why|when|where|who|"
    r"which|can|could|do|does|did|is|are|will|would|should|shall|may|might)\b",
    re.IGNORECASE,
)


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
    # The entry the patient can now say "tell me more" about, or follow up on ("and the
    # neck?"); None: nothing to expand.
    expandable_topic: str | None
    # The entries offered as "Did you mean ...?" (recorded for staff), most likely first.
    candidates: list[str] = field(default_factory=list)


def entry_button(entry: Entry, *, as_question: bool = False) -> Button:
    label = entry.question if as_question and entry.question else entry.title
    return Button(title=label, payload=f"/{entry.intent}")


def _related_buttons(content: Content, entry: Entry) -> list[Button]:
    return [entry_button(content.entries[k]) for k in entry.related if k in content.entries]


def _also_asked(
    content: Content, ranking: Sequence[Mapping[str, Any]], answered: Sequence[str]
) -> Entry | None:
    for item in ranking[1:3]:
        entry = content.by_intent(item.get("name"))
        if (
            entry is not None
            and entry.key not in answered
            and entry.topic is not None
            and (item.get("confidence") or 0.0) >= ALSO_ASKED_MIN_CONFIDENCE
        ):
            return entry
    return None


def _area_entries(content: Content, areas: Sequence[str]) -> list[Entry]:
    """The entries that answer for the named areas (an area outside the protocol: the
    "places not injected" entry, once)."""
    keys: list[str] = []
    for area in areas:
        key = AREA_ENTRIES.get(area, OTHER_AREA_ENTRY)
        if key not in keys:
            keys.append(key)
    return [content.entries[k] for k in keys if k in content.entries]


def area_referred_to(expandable_topic: str | None, text: str) -> str | None:
    """The area a count question points back to: "how many there?" right after one area's
    answer is that area ("neck"), unless it asks for the whole session; else None."""
    area = next((a for a, key in AREA_ENTRIES.items() if key == expandable_topic), None)
    if area is None or _WHOLE_RE.search(text):
        return None
    if _COUNT_RE.search(text) and _BACK_REFERENCE_RE.search(text):
        return area
    return None


def _routed(content: Content, entry: Entry, areas: Sequence[str], text: str) -> list[Entry]:
    """The entries to answer with: an injection-areas question naming areas is answered
    per area, "how many injections (or units) in the neck?" with the neck's entry, and
    "is it only the forehead?" with "no, seven areas"."""
    if entry.topic != AREAS_TOPIC or not areas:
        return [entry]
    only = content.get(ONLY_ONE_AREA)
    protocol_areas = [a for a in areas if a in AREA_ENTRIES]
    if entry.key in COUNT_ENTRIES and protocol_areas and not _WHOLE_RE.search(text):
        return _area_entries(content, protocol_areas)
    if only is not None and (entry.key == ONLY_ONE_AREA or _ONLY_RE.search(text)):
        if len(protocol_areas) <= 1:
            return [only]
    if entry.key in (AREAS_TOPIC, ONLY_ONE_AREA) or entry.key.startswith("area_"):
        return _area_entries(content, areas) or [entry]
    return [entry]  # "can they add more in the neck?" and the like: the entry asked


def answer_entry(
    content: Content,
    entry: Entry,
    *,
    areas: Sequence[str] = (),
    ranking: Sequence[Mapping[str, Any]] = (),
    text: str = "",
    values: Mapping[str, str],
) -> Reply:
    """The answer to one entry (per area when the patient named areas), its related
    entries as buttons, and a button for a second question the patient seemed to ask."""
    entries = _routed(content, entry, areas, text)
    answer = BotMessage(text="\n\n".join(render(e.answer, values) for e in entries))
    messages = [answer]
    last = entries[-1]
    answered = [e.key for e in entries] + list(last.related)
    also = _also_asked(content, ranking, answered)
    if also is not None:
        messages.append(
            BotMessage(text="You might also want to know:", buttons=[entry_button(also)])
        )
    else:
        answer.buttons = _related_buttons(content, last)
    return Reply(messages=messages, expandable_topic=last.key)


def _own_experience_too(entry: Entry, ranking: Sequence[Mapping[str, Any]]) -> bool:
    if entry.topic != SIDE_EFFECTS_TOPIC:
        return False
    return any(
        item.get("name") == OWN_EXPERIENCE
        and (item.get("confidence") or 0.0) >= OWN_EXPERIENCE_MIN_CONFIDENCE
        for item in ranking[1:3]
    )


def did_you_mean(
    content: Content, ranking: Sequence[Mapping[str, Any]], values: Mapping[str, str]
) -> Reply | None:
    """ "Did you mean ...?" with the most likely entries, or None if none is likely."""
    candidates: list[Entry] = []
    for item in ranking:
        entry = content.by_intent(item.get("name"))
        if (
            entry is not None
            and entry.topic is not None
            and (item.get("confidence") or 0.0) >= CANDIDATE_MIN_CONFIDENCE
            and entry not in candidates
        ):
            candidates.append(entry)
        if len(candidates) == CANDIDATES_MAX:
            break
    if not candidates:
        return None
    buttons = [entry_button(e, as_question=True) for e in candidates]
    buttons.append(Button(title="Something else", payload=SOMETHING_ELSE_PAYLOAD))
    return Reply(
        messages=[
            BotMessage(text="Sorry, I'm not sure I understood. Did you mean:", buttons=buttons)
        ],
        expandable_topic=None,
        candidates=[e.key for e in candidates],
    )


def compose_reply(
    content: Content,
    *,
    intent: str | None,
    ranking: Sequence[Mapping[str, Any]] = (),
    areas: Sequence[str] = (),
    expandable_topic: str | None = None,
    text: str = "",
    values: Mapping[str, str],
) -> Reply:
    """What to say for the latest message.

    ``expandable_topic`` is the conversation's state: the entry last answered, which "tell
    me more" (or "yes" just after it) expands and an area follow-up refers to.
    """
    entry = content.by_intent(intent)
    own = content.get(OWN_EXPERIENCE)
    if entry is not None and own is not None and _own_experience_too(entry, ranking):
        return Reply(
            messages=[
                BotMessage(text=render(own.answer, values)),
                BotMessage(text="You might also want to know:", buttons=[entry_button(entry)]),
            ],
            expandable_topic=own.key,
        )
    if entry is not None:
        if not areas and entry.key in COUNT_ENTRIES:
            referred = area_referred_to(expandable_topic, text)
            areas = [referred] if referred else areas
        return answer_entry(content, entry, areas=areas, ranking=ranking, text=text, values=values)

    current = content.get(expandable_topic)
    if intent in (ASK_MORE, AFFIRM):
        if current is not None and current.more:
            return Reply(
                messages=[BotMessage(text=render(current.more, values))], expandable_topic=None
            )
        if current is not None and intent == ASK_MORE:
            related = _related_buttons(content, current)
            if related:
                return Reply(
                    messages=[BotMessage(text="Here is more on that:", buttons=related)],
                    expandable_topic=None,
                )
        if intent == AFFIRM:
            return Reply(messages=[BotMessage(response="utter_affirm_ack")], expandable_topic=None)
        if current is not None:
            text_ = (
                "That's all the general information I have on that. For your own situation, "
                f"please ask the clinic on {values['clinic_phone']}."
            )
            return Reply(messages=[BotMessage(text=text_)], expandable_topic=None)
        return Reply(
            messages=[
                BotMessage(
                    text="What would you like to know more about?", buttons=topic_buttons(content)
                )
            ],
            expandable_topic=None,
        )

    if intent == RED_FLAG:
        # The emergency advice (utter_red_flag) has already been sent by the rule. If the
        # patient also asked a treatment question, answer it after the advice.
        for item in ranking[1:2]:
            other = content.by_intent(item.get("name"))
            if (
                other is not None
                and other.topic is not None
                and (item.get("confidence") or 0.0) >= AFTER_RED_FLAG_MIN_CONFIDENCE
            ):
                reply = answer_entry(content, other, areas=areas, text=text, values=values)
                reply.messages.insert(0, BotMessage(text="About your other question:"))
                return reply
        return Reply(messages=[], expandable_topic=expandable_topic)

    if intent in content.withdrawn:
        # Staff took this entry down: the question is still recognised; send the patient to
        # the clinic rather than to "please rephrase".
        text_ = (
            "I can't answer that one at the moment. Please ask the clinic on "
            f"{values['clinic_phone']}."
        )
        return Reply(messages=[BotMessage(text=text_)], expandable_topic=None)

    return Reply(messages=[BotMessage(response="utter_default")], expandable_topic=None)


def area_follow_up(
    content: Content,
    *,
    areas: Sequence[str],
    expandable_topic: str | None,
    text: str = "",
    values: Mapping[str, str],
) -> Reply | None:
    """For a message the classifier could not place but that names an area: "and the
    neck?" right after an answer about the injection areas gets that area's answer; "is it
    only the back of the head?" (one area, with "only" or "just") gets "no, seven areas";
    "how many there?" right after one area's answer gets that area's answer again (it
    holds the count). None otherwise."""
    only = content.get(ONLY_ONE_AREA)
    if only is not None and len(areas) == 1 and areas[0] in AREA_ENTRIES and _ONLY_RE.search(text):
        return answer_entry(content, only, areas=areas, text=text, values=values)
    current = content.get(expandable_topic)
    if not areas and current is not None and area_referred_to(current.key, text):
        return answer_entry(content, current, text=text, values=values)
    if not areas or current is None or current.topic != AREAS_TOPIC:
        return None
    return answer_entry(content, current, areas=areas, text=text, values=values)


def topic_buttons(content: Content, limit: int = 6) -> list[Button]:
    """One button per navigation topic: the topic's first published entry."""
    buttons = []
    for key, title in content.topics.items():
        entries = content.in_topic(key)
        if entries:
            buttons.append(Button(title=title, payload=f"/{entries[0].intent}"))
    return buttons[:limit]


def message_kwargs(message: BotMessage) -> dict[str, Any]:
    """Keyword arguments for rasa_sdk's ``dispatcher.utter_message``."""
    if message.response:
        return {"response": message.response}
    kwargs: dict[str, Any] = {"text": message.text}
    if message.buttons:
        kwargs["buttons"] = [{"title": b.title, "payload": b.payload} for b in message.buttons]
    return kwargs


def in_form_question(
    content: Content,
    ranking: Sequence[Mapping[str, Any]],
    text: str,
    values: Mapping[str, str],
) -> Reply | None:
    """The answer to a question asked where a form wanted a reference, a date or a name
    ("wait, what are the side effects?"), or None when the message does not read as a
    question or no entry is likely enough (then the form's own "that doesn't look
    like..." reply stands)."""
    if not _QUESTION_RE.search(text or ""):
        return None
    for item in ranking:
        entry = content.by_intent(item.get("name"))
        if entry is None or entry.topic is None:
            continue
        if (item.get("confidence") or 0.0) < IN_FORM_MIN_CONFIDENCE:
            return None
        reply = answer_entry(content, entry, text=text, values=values)
        for message in reply.messages:
            message.buttons = []  # the form is waiting for its answer: no detours offered
        reply.messages = reply.messages[:1]
        return reply
    return None
