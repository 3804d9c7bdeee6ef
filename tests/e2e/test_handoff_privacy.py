"""Handoff, privacy and feedback: conversations over REST against the real stack (Rasa
server, action server, trained model, tracker store and clinic database)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, select, text

from bot.channels.format import render
from bot.clinic import DEFAULT_PHONE
from bot.db.models import AnswerFeedback, CallbackRequest, UnansweredQuestion
from bot.db.session import session_scope
from bot.insights.records import conversation_hash
from bot.settings import load_settings
from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e

PHONE = load_settings().clinic_phone or DEFAULT_PHONE
HOURS = "Monday to Friday, 9am to 5pm"


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.rasa_url)


def payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons") or []]


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def stored_events(tracker_url: str, sender: str) -> int:
    engine = create_engine(tracker_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
            ).scalar()
    finally:
        engine.dispose()


def callbacks(database_url: str, sender: str) -> list[CallbackRequest]:
    with session_scope(database_url) as session:
        query = select(CallbackRequest).where(CallbackRequest.conversation_id == sender)
        return list(session.execute(query).scalars())


def request_callback(chat: Chat, name: str = "Jane Doe") -> str:
    """Fill the call-back form; the bot's final reply."""
    assert "What name" in chat.say("/request_callback")
    assert "phone number" in chat.say(name)
    assert "best time" in chat.say("020 7946 0123")
    assert "what is it about" in chat.say("weekday mornings")
    return chat.say("a question about my next appointment")


# --- handoff ------------------------------------------------------------------------------


def test_asking_for_a_nurse_gives_number_hours_and_a_call_back(chat: Chat) -> None:
    messages = chat.send("Can I talk to a nurse?")
    reply = texts(messages)
    assert PHONE in reply and HOURS in reply
    assert "/request_callback" in payloads(messages)


def test_a_question_about_ones_own_dose_is_handed_to_the_clinic(chat: Chat) -> None:
    messages = chat.send("should i stop my botox treatment")
    assert "can't give advice about your own treatment" in texts(messages)
    assert HOURS in texts(messages)
    assert "/request_callback" in payloads(messages)


def test_two_misunderstandings_in_a_row_offer_the_clinic(chat: Chat, stack) -> None:
    first = chat.send("qwxz plorf vrrmm")
    assert "not sure I understood" in texts(first)
    second = chat.send("blorp zintak quoggle")
    assert "trouble understanding" in texts(second)
    assert PHONE in texts(second) and "/request_callback" in payloads(second)
    with session_scope(stack.settings.database_url) as session:
        stored = session.execute(
            select(UnansweredQuestion.text).where(
                UnansweredQuestion.conversation_hash == conversation_hash(chat.sender)
            )
        ).scalars()
        assert sorted(stored) == ["blorp zintak quoggle", "qwxz plorf vrrmm"]


def test_yes_after_one_misunderstanding_is_no_call_back_request(chat: Chat) -> None:
    chat.say("qwxz plorf vrrmm")
    assert "What name" not in chat.say("yes")


def test_yes_after_two_misunderstandings_starts_the_call_back_form(chat: Chat) -> None:
    chat.say("qwxz plorf vrrmm")
    chat.say("blorp zintak quoggle")
    assert "What name" in chat.say("yes")


def test_yes_to_the_offer_starts_the_call_back_form(chat: Chat) -> None:
    chat.say("i want to speak to a real person")
    assert "What name" in chat.say("yes please")


def test_call_back_request_is_stored_with_the_transcript(chat: Chat, stack) -> None:
    chat.say("can a nurse ring me about my injections")
    assert "What name" in chat.say("/request_callback")
    assert "phone number" in chat.say("Jane Doe")
    bad = chat.say("12345")
    assert "doesn't look like a phone number" in bad
    assert "best time" in chat.say("+44 20 7946 0123")
    assert "what is it about" in chat.say("after 3pm")
    reply = chat.say("should I change my dose")
    assert "Thank you, Jane Doe" in reply
    assert "**020 7946 0123**" in reply
    assert "The clinic is open now" in reply or "The clinic is closed now" in reply

    [stored] = callbacks(stack.settings.database_url, chat.sender)
    assert (stored.name, stored.phone, stored.best_time, stored.reason) == (
        "Jane Doe",
        "020 7946 0123",
        "after 3pm",
        "should I change my dose",
    )
    transcript = json.loads(stored.transcript)
    assert {"from": "patient", "text": "can a nurse ring me about my injections"} in transcript
    assert any(line["from"] == "bot" and PHONE in line["text"] for line in transcript)
    assert stored.done_at is None


def test_a_call_back_name_with_markdown_comes_back_literally(chat: Chat) -> None:
    name = "**Bold** [click](https://x.example)"
    confirmation = request_callback(chat, name=name)
    # Each channel renders the reply's Markdown; the name must come out as typed.
    assert render(confirmation, "plain").startswith(f"Thank you, {name}. ")
    assert "<a " not in render(confirmation, "telegram")
    assert "<b>Bold</b>" not in render(confirmation, "telegram")

    known = chat.say("what do you know about me?")
    assert f"a call-back request for {name}, phone number ending in 123" in render(known, "plain")
    assert f"<b>{name}</b>" in render(known, "telegram")  # in bold as a whole, as written
    assert "<a " not in render(known, "telegram")


def test_the_transcript_never_holds_identity_check_answers(chat: Chat, stack) -> None:
    chat.say("when is my next botox injection due?")
    chat.say("/choose_record_lookup")
    chat.say("BTX-1001")
    assert "**Tuesday 29 December 2026**" in chat.say("15 March 1984")
    request_callback(chat)
    [stored] = callbacks(stack.settings.database_url, chat.sender)
    patient_said = [
        line["text"] for line in json.loads(stored.transcript) if line["from"] == "patient"
    ]
    assert "BTX-1001" not in stored.transcript
    assert "15 March 1984" not in patient_said
    assert patient_said.count("[identity check answer removed]") == 2


# --- the patient in control ----------------------------------------------------------------


def test_help_shows_what_the_bot_can_do_as_buttons(chat: Chat) -> None:
    messages = chat.send("help")
    assert "I can answer general questions" in texts(messages)
    assert {"/faq_how_it_works", "/request_human", "/ask_privacy"} <= set(payloads(messages))


def test_cancel_leaves_the_call_back_form_cleanly(chat: Chat, stack) -> None:
    chat.say("/request_callback")
    chat.say("Jane Doe")
    assert "I've stopped" in chat.say("cancel")
    reply = chat.say("how often do i need the injections")
    assert "12 weeks" in reply
    assert "What name" in chat.say("/request_callback")  # starts afresh: the name was cleared
    assert callbacks(stack.settings.database_url, chat.sender) == []


def test_help_in_the_middle_of_the_form_then_back_to_it(chat: Chat) -> None:
    chat.say("/request_callback")
    reply = chat.say("what can you do")
    assert "I can answer general questions" in reply
    assert "What name" in reply


def test_restart_starts_again(chat: Chat) -> None:
    chat.say("/request_callback")
    assert "start again" in chat.say("restart")
    assert "12 weeks" in chat.say("how often do i need the injections")


def test_privacy_says_what_is_stored_for_how_long_and_who_sees_it(chat: Chat) -> None:
    reply = chat.say("what happens to my data?")
    assert "**90 days**" in reply and "staff" in reply and "forget me" in reply


def test_what_do_you_know_lists_this_conversation_only(chat: Chat) -> None:
    assert "holds nothing about you" in chat.say("what do you know about me?")
    request_callback(chat, name="Sam Patel")
    reply = chat.say("what do you know about me?")
    assert "**Sam Patel**" in reply and "ending in 123" in reply
    assert "7946" not in reply
    other = Chat(chat.url.rsplit("/webhooks", 1)[0])
    assert "Sam Patel" not in other.say("what do you know about me?")


def test_what_do_you_know_never_repeats_the_identity_check(chat: Chat) -> None:
    chat.say("when is my next botox injection due?")
    chat.say("/choose_record_lookup")
    chat.say("BTX-1001")
    chat.say("15 March 1984")
    reply = chat.say("what information do you have on me")
    assert "BTX-1001" not in reply and "1984" not in reply and "December" not in reply


def test_forget_me_can_be_declined(chat: Chat, stack) -> None:
    chat.say("how does botox work")
    assert "erase this conversation" in chat.say("forget me")
    assert "haven't erased anything" in chat.say("no")
    assert stored_events(stack.settings.tracker_store_url, chat.sender) > 0


def test_forget_me_leaves_no_event_of_the_conversation(chat: Chat, stack) -> None:
    chat.say("how does botox work")
    request_callback(chat)
    assert len(callbacks(stack.settings.database_url, chat.sender)) == 1
    assert "erase this conversation" in chat.say("please delete my data")
    assert "has been erased" in chat.say("yes")
    assert stored_events(stack.settings.tracker_store_url, chat.sender) == 0
    assert callbacks(stack.settings.database_url, chat.sender) == []
    # The next message starts a new conversation that knows nothing of the old one.
    assert "holds nothing about you" in chat.say("what do you know about me?")


# --- feedback -------------------------------------------------------------------------------


def test_an_answer_can_be_rated_and_the_vote_is_stored(chat: Chat, stack) -> None:
    messages = chat.send("how often do i need the injections")
    assert {"/feedback_helpful", "/feedback_not_helpful"} <= set(payloads(messages))
    reply = chat.say("/feedback_not_helpful")
    assert "Sorry that didn't help" in reply
    assert "Thank you" in chat.say("/feedback_helpful")  # no answer to rate: not stored
    with session_scope(stack.settings.database_url) as session:
        votes = session.execute(
            select(AnswerFeedback.topic, AnswerFeedback.helpful).where(
                AnswerFeedback.conversation_hash == conversation_hash(chat.sender)
            )
        ).all()
    assert [tuple(v) for v in votes] == [("schedule", False)]


def test_privacy_in_the_middle_of_the_record_lookup_then_back_to_it(chat: Chat) -> None:
    chat.say("when is my next botox injection due?")
    chat.say("/choose_record_lookup")
    assert "date of birth" in chat.say("BTX-1001")
    reply = chat.say("what do you know about me")
    assert "BTX-1001" not in reply and "not shown" in reply
    assert "date of birth" in reply  # the form asks again
    reply = chat.say("who can see this chat?")
    assert "**90 days**" in reply and "date of birth" in reply
    assert "**Tuesday 29 December 2026**" in chat.say("15/03/1984")


def test_forget_me_in_the_middle_of_a_form_stops_it_and_asks_first(chat: Chat, stack) -> None:
    chat.say("/request_callback")
    chat.say("Jane Doe")
    assert "erase this conversation" in chat.say("forget me")
    assert "has been erased" in chat.say("yes")
    assert stored_events(stack.settings.tracker_store_url, chat.sender) == 0
