"""The patient in control of their data: what is kept, what this conversation holds,
and erasing it.

* ``privacy_text``: what is stored, for how long, who sees it (the "privacy" reply);
* ``what_you_know_text``: what THIS conversation holds about the patient: the slots that
  are set and any call-back request made in it. Nothing from the clinic records: the
  assistant only ever answers from them after an identity check, and clears the reference
  and date of birth as soon as the check has run, so there is nothing verified to list;
* ``erase_conversation_data``: deletes the call-back requests, feedback and unanswered
  questions of one conversation. The tracker store calls it when it erases the
  conversation's events (``bot.rasa.tracker_store``), so all of "forget me" happens in one
  place, after the patient confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from bot.channels.format import escape_markdown
from bot.handoff import callbacks as handoff
from bot.insights import records as insights
from bot.privacy.retention import retention_days

# Slots a patient may be told about, and how. Identity slots are never repeated back.
_SLOT_WORDS = {
    "last_topic": "the last topic you asked about: {value}",
    "last_session_date": "the date of your last session you gave me: {value}",
    "lookup_failures": "failed identity checks in this conversation: {value}",
}
_IDENTITY_SLOTS = ("patient_reference", "date_of_birth")


def privacy_text(days: int | None = None) -> str:
    days = retention_days() if days is None else days
    return (
        "**Your privacy.** This conversation (your messages and my replies) is stored on "
        f"the clinic's system for **{days} days**, then deleted automatically. If you ask "
        "for a call-back, your name, phone number, best time and reason are kept with this "
        "conversation so the clinic team can call you; only the clinic's staff can see them.\n\n"
        "If you check your next due date, your reference and date of birth are only used for "
        "that check and then cleared. If you rate an answer, the rating is kept without your "
        "name.\n\n"
        'Say "**what do you know about me**" to see what this conversation holds, or '
        '"**forget me**" to erase it now.'
    )


def what_you_know_text(
    slots: Mapping[str, Any],
    callbacks: Sequence[handoff.InboxItem],
    *,
    topic_titles: Mapping[str, str] | None = None,
    days: int | None = None,
) -> str:
    days = retention_days() if days is None else days
    items: list[str] = []
    for name, template in _SLOT_WORDS.items():
        value = slots.get(name)
        if value in (None, "", 0, 0.0):
            continue
        if name == "last_topic" and topic_titles:
            value = topic_titles.get(str(value), value)
        if name == "lookup_failures":
            value = int(value)
        items.append("- " + template.format(value=escape_markdown(str(value))))
    if any(slots.get(name) for name in _IDENTITY_SLOTS):
        items.append("- the identity details you are typing for the record look-up (not shown)")
    for request in callbacks:
        status = "done" if request.done else "waiting for the clinic"
        # The patient's own words, shown as typed: a name such as "**Bold**" is not bold.
        items.append(
            f"- a call-back request for **{escape_markdown(request.name)}**, phone number "
            f"{handoff.masked_phone(request.phone)}, best time: "
            f"{escape_markdown(request.best_time)}, reason: {escape_markdown(request.reason)} "
            f"({status})"
        )
    intro = (
        "Here is what this conversation holds about you:\n\n" + "\n".join(items)
        if items
        else "This conversation holds nothing about you beyond the messages themselves."
    )
    return (
        f"{intro}\n\nI don't hold anything from your clinic record. The messages of this "
        f'conversation are kept for {days} days. Say "forget me" to erase it all now.'
    )


def erase_conversation_data(session: Session, sender_id: str) -> dict[str, int]:
    """Delete everything the clinic database holds for one conversation; counts by kind."""
    return {
        "callback_requests": handoff.delete_callbacks_for_conversation(session, sender_id),
        "feedback_and_questions": insights.delete_for_conversation(session, sender_id),
    }
