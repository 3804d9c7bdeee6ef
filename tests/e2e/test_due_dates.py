"""Next due date over REST: the record look-up (identity first) and the date calculation.

The stack runs with the demo data and "today" pinned to 2026-11-24 (tests/conftest.py).
"""

from __future__ import annotations

import pytest

from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.rasa_url)


def start_lookup(chat: Chat) -> None:
    assert "two ways" in chat.say("when is my next botox injection due?")
    assert "clinic reference" in chat.say("/choose_record_lookup")


def test_verified_patient_gets_the_unmistakable_due_date(chat: Chat) -> None:
    start_lookup(chat)
    assert "date of birth" in chat.say("BTX-1001")
    reply = chat.say("15 March 1984")
    assert "**Tuesday 29 December 2026**" in reply
    assert "in 5 weeks" in reply


def test_birth_date_in_another_format_works(chat: Chat) -> None:
    start_lookup(chat)
    chat.say("btx 1001")
    assert "Tuesday 29 December 2026" in chat.say("1984-03-15")


def test_wrong_birth_date_discloses_nothing(chat: Chat, stack) -> None:
    start_lookup(chat)
    chat.say("BTX-1001")
    wrong = chat.say("16/03/1984")
    assert "couldn't match those details" in wrong
    for leak in ("2026", "December", "October", "overdue", "BTX-1001", "no treatment session"):
        assert leak not in wrong

    other = Chat(stack.rasa_url)
    start_lookup(other)
    other.say("BTX-9999")
    unknown = other.say("16/03/1984")
    assert unknown == wrong  # an unknown reference and a wrong birth date: the same reply


def test_birth_date_is_not_kept_after_the_check(chat: Chat, stack) -> None:
    import json
    import urllib.request

    start_lookup(chat)
    chat.say("BTX-1001")
    chat.say("15/03/1984")
    url = f"{stack.rasa_url}/conversations/{chat.sender}/tracker"
    with urllib.request.urlopen(url, timeout=30) as response:
        slots = json.loads(response.read())["slots"]
    assert slots["date_of_birth"] is None
    assert slots["patient_reference"] is None


def test_three_failures_lock_the_lookup_for_the_conversation(chat: Chat) -> None:
    for birth in ("01/01/1980", "02/02/1980", "03/03/1980"):
        start_lookup(chat)
        chat.say("BTX-1002")
        last = chat.say(birth)
    assert "can't look up clinic records in this conversation" in last
    # A new attempt is refused at once, without asking for details again.
    reply = chat.say("/choose_record_lookup")
    assert "can't look up clinic records in this conversation" in reply


def test_patient_with_no_session_is_told_so(chat: Chat) -> None:
    start_lookup(chat)
    chat.say("BTX-1002")
    assert "no treatment session on record" in chat.say("30/07/1969")


def test_overdue_patient_is_told_how_to_book(chat: Chat) -> None:
    start_lookup(chat)
    chat.say("BTX-1003")
    reply = chat.say("2 December 1991")
    assert "overdue" in reply and "Tuesday 6 October 2026" in reply


def test_bad_reference_is_explained(chat: Chat) -> None:
    start_lookup(chat)
    reply = chat.say("'; DROP TABLE patients; --")
    assert "doesn't look like a clinic reference" in reply


@pytest.mark.parametrize(
    ("said", "due"),
    [
        ("6 October", "Tuesday 29 December 2026"),
        ("06/10/2026", "Tuesday 29 December 2026"),
        ("5 weeks ago", "Tuesday 12 January 2027"),
        ("last Tuesday", "Tuesday 9 February 2027"),
    ],
)
def test_anyone_can_work_it_out_from_their_last_session(chat: Chat, said: str, due: str) -> None:
    chat.say("when is my next injection due")
    assert "last Botox session" in chat.say("/choose_date_calculation")
    assert due in chat.say(said)


def test_date_in_the_question_is_used_at_once(chat: Chat) -> None:
    reply = chat.say("my last injections were on 6 October, when is the next one due?")
    assert "Tuesday 29 December 2026" in reply


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("31/02/2026", "doesn't exist"),
        ("30/12/2026", "still to come"),
        ("01/01/2019", "more than 2 years ago"),
        ("in March", "Which day was it?"),
        # Classified as out of scope: refused politely, then the question is asked again.
        ("banana", "When was your last Botox session?"),
    ],
)
def test_bad_last_session_dates_get_a_clear_reply(chat: Chat, said: str, expected: str) -> None:
    chat.say("/choose_date_calculation")
    assert expected in chat.say(said)
    # The question is asked again, and a good date still works.
    assert "Tuesday 29 December 2026" in chat.say("6 October")


def test_faq_in_the_middle_of_the_form_then_back(chat: Chat) -> None:
    start_lookup(chat)
    reply = chat.say("wait, what are the side effects?")
    assert "Common side effects are neck pain" in reply  # the side_effects entry
    assert "clinic reference" in reply  # the form asks again
    chat.say("BTX-1001")
    assert "Tuesday 29 December 2026" in chat.say("15/03/1984")


def test_patient_can_cancel_the_form(chat: Chat) -> None:
    start_lookup(chat)
    assert "I've stopped" in chat.say("cancel")
    assert "Tuesday 29 December 2026" not in chat.say("15/03/1984")


def test_patient_can_switch_to_the_date_calculation(chat: Chat) -> None:
    start_lookup(chat)
    assert "last Botox session" in chat.say("/choose_date_calculation")
    assert "Tuesday 29 December 2026" in chat.say("6 October")


def test_red_flag_in_the_middle_of_the_form_stops_it(chat: Chat) -> None:
    start_lookup(chat)
    messages = chat.send("i can't swallow properly since my injections")
    assert "call emergency services now" in messages[0]["text"]
    texts = " ".join(m.get("text", "") for m in messages)
    assert "clinic reference" not in texts  # the form does not carry on asking
