"""Conversations over REST against the real Rasa server, action server and trained model.

Phrasings here are deliberately not copied from the training data; the expected text is
read from the content store, so a wording change by staff does not break these tests,
while a wrong topic does.
"""

from __future__ import annotations

import pytest

from bot.channels.guard import CUT_NOTICE, MAX_MESSAGE_CHARS
from bot.clinic import DEFAULT_PHONE
from bot.content.store import get_content, render
from bot.settings import load_settings
from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e

CONTENT = get_content()
PHONE = load_settings().clinic_phone or DEFAULT_PHONE


def first_line(key: str) -> str:
    return render(CONTENT.entries[key].answer, {"clinic_phone": PHONE}).split("\n")[0]


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.rasa_url)


@pytest.mark.parametrize(
    ("message", "entry"),
    [
        ("how exactly does botox stop my migraines", "how_it_works"),
        ("which parts of my head get the jabs", "injection_areas"),
        ("how long before i notice any difference", "when_results_appear"),
        ("how often do i have to come back for injections", "schedule"),
        ("what are the side effects", "side_effects"),
        ("can i still take my triptans", "rescue_medicines"),
    ],
)
def test_treatment_questions_get_their_entry(chat: Chat, message: str, entry: str) -> None:
    assert first_line(entry) in chat.say(message)


def test_tell_me_more_offers_the_related_entries(chat: Chat) -> None:
    assert first_line("how_it_works") in chat.say("how does the treatment work?")
    messages = chat.send("tell me more")
    payloads = [b["payload"] for m in messages for b in m.get("buttons", [])]
    assert payloads == [f"/faq_{k}" for k in CONTENT.entries["how_it_works"].related]


def test_question_about_one_area_gets_that_area(chat: Chat) -> None:
    reply = chat.say("do you inject my neck?")
    assert first_line("area_neck") in reply
    assert first_line("area_forehead") not in reply


def test_area_outside_the_protocol_is_said_to_be_outside_it(chat: Chat) -> None:
    reply = chat.say("will you inject my jaw as well")
    assert first_line("area_not_in_protocol") in reply


def test_red_flag_gets_emergency_advice_first(chat: Chat) -> None:
    messages = chat.send("I had my injections on monday and now I have trouble swallowing")
    assert "emergency" in messages[0]["text"].lower()


def test_red_flag_wins_over_another_question(chat: Chat) -> None:
    messages = chat.send(
        "how often are the injections? also since the last one it's hard to breathe"
    )
    assert "call emergency services now" in messages[0]["text"]


@pytest.mark.parametrize(
    "message",
    [
        "what's the weather like in london tomorrow",
        "tell me a joke",
        "can botox get rid of my forehead wrinkles",
        "what should I do about my diabetes",
    ],
)
def test_out_of_scope_is_politely_refused(chat: Chat, message: str) -> None:
    reply = chat.say(message)
    assert "I can only help with questions about Botox treatment for chronic migraine" in reply
    for key, entry in CONTENT.entries.items():
        if entry.topic:
            assert first_line(key) not in reply


def test_gibberish_asks_to_rephrase_with_topic_buttons(chat: Chat) -> None:
    messages = chat.send("qwxz plorf vrrmm")
    texts = " ".join(m.get("text", "") for m in messages)
    assert "not sure I understood" in texts or "I can only help" in texts
    assert any(m.get("buttons") for m in messages)


def test_greeting_offers_topics_as_buttons(chat: Chat) -> None:
    messages = chat.send("hi there")
    buttons = [b["payload"] for m in messages for b in m.get("buttons", [])]
    assert "/faq_how_it_works" in buttons
    assert "not medical advice" in " ".join(m.get("text", "") for m in messages)


def test_button_payload_answers_directly(chat: Chat) -> None:
    assert first_line("schedule") in chat.say("/faq_schedule")


def test_bot_says_it_is_a_bot(chat: Chat) -> None:
    assert "automated assistant" in chat.say("am i talking to a real person?")


def test_personal_dose_question_goes_to_the_clinic(chat: Chat) -> None:
    reply = chat.say("should i ask for a higher dose next time")
    assert "can't give advice about your own treatment" in reply
    assert PHONE in reply


def test_a_red_flag_inside_markup_still_gets_emergency_advice(chat: Chat) -> None:
    messages = chat.send("<b>since the injection I can't swallow properly</b>")
    assert "call emergency services now" in messages[0]["text"]


@pytest.mark.parametrize("message", ["'; DROP TABLE patients; --", "<img src=x onerror=alert(1)>"])
def test_code_or_markup_is_not_understood_not_guessed_at(chat: Chat, message: str) -> None:
    assert "not sure I understood" in chat.say(message)


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "x" * 20_000,
        "<script>alert(1)</script>",
        "'; DROP TABLE patients; --",
        "¿Cuándo empieza a funcionar el tratamiento?",
        "🤯🤯🤯",
    ],
)
def test_bad_input_gets_a_reply_and_the_bot_keeps_working(chat: Chat, message: str) -> None:
    messages = chat.send(message)
    assert isinstance(messages, list)
    for m in messages:
        assert "<script>" not in m.get("text", "")
    assert first_line("schedule") in chat.say("how often are the injections given?")


def test_a_message_over_the_limit_is_cut_and_the_reply_says_so_first(chat: Chat) -> None:
    question = "which parts of my head get the jabs? "
    long = question + "Some more words about my migraines. " * 60
    assert len(long) > MAX_MESSAGE_CHARS
    messages = chat.send(long)
    assert messages[0]["text"] == CUT_NOTICE
    assert len(messages) > 1  # and then the answer to what was read
    assert CUT_NOTICE not in chat.say(question)  # a message under the limit: no notice
