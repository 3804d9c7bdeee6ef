"""Context and dates as patients write them, over REST against the real stack (issue 14).

"Today" is pinned to 2026-11-24 (tests/conftest.py); the demo patient BTX-1001, born
1984-03-15, had a session on 2026-10-06 (next due Tuesday 29 December 2026).
"""

from __future__ import annotations

import pytest

from bot.clinic import DEFAULT_PHONE
from bot.settings import load_settings
from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e

PHONE = load_settings().clinic_phone or DEFAULT_PHONE


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.rasa_url)


def test_a_date_given_one_turn_before_the_question_is_used(chat: Chat) -> None:
    chat.say("my last botox injections were on 6 October")
    reply = chat.say("so when is my next one due?")
    assert "Tuesday 29 December 2026" in reply
    assert "two ways" not in reply


def test_a_reference_typed_straight_after_the_question_looks_up_the_record(chat: Chat) -> None:
    assert "two ways" in chat.say("when is my next injection due?")
    assert "date of birth" in chat.say("BTX-1001")
    assert "Tuesday 29 December 2026" in chat.say("15/03/1984")


def test_an_impossible_day_first_date_is_read_month_first_and_the_reply_says_so(
    chat: Chat,
) -> None:
    reply = chat.say("my last session was 10/13/2026, when is the next one?")
    assert "month first, as Tuesday 13 October 2026" in reply
    assert "Tuesday 5 January 2027" in reply


def test_of_two_dates_the_most_recent_past_one_is_used(chat: Chat) -> None:
    reply = chat.say("I had botox on 14 July and again on 6 October, when is the next one due?")
    assert "Tuesday 29 December 2026" in reply and "most recent" in reply


def test_have_i_missed_my_next_one_is_answered_yes_or_no(stack, chat: Chat) -> None:
    reply = chat.say("have I missed my next botox? my last one was 14 July")
    assert "**Yes**" in reply and "overdue" in reply
    other = Chat(stack.rasa_url)
    assert "two ways" in other.say("have I missed my next injection?")
    assert "clinic reference" in other.say("/choose_record_lookup")
    assert "date of birth" in other.say("BTX-1001")
    assert "**No**, you have not missed it." in other.say("15/03/1984")


def test_two_misunderstandings_reach_the_clinic_whatever_the_second_was_read_as(
    chat: Chat,
) -> None:
    chat.say("qwxz plorf vrrmm")
    reply = chat.say("zzkq blorp fnarg wibble")
    assert PHONE in reply


@pytest.mark.parametrize(
    "message",
    [
        "this is useless, I want to speak to an actual human being NOW",
        "I'm really scared and I just want to talk to a nurse please",
    ],
)
def test_angry_or_anxious_requests_for_a_person_get_the_clinic(chat: Chat, message: str) -> None:
    messages = chat.send(message)
    text = " ".join(m.get("text", "") for m in messages)
    assert PHONE in text
    assert "/request_callback" in [b["payload"] for m in messages for b in m.get("buttons", [])]


def test_how_many_in_one_area_and_how_many_there_get_that_areas_count(chat: Chat) -> None:
    from bot.content.store import get_content

    entries = get_content().entries
    neck = entries["area_neck"].answer.split("\n")[0]
    forehead = entries["area_forehead"].answer.split("\n")[0]
    assert forehead in chat.say("how many injections go in the forehead?")
    assert neck in chat.say("do you inject the neck?")
    reply = chat.say("how many there?")
    assert neck in reply
    assert entries["number_of_injections"].answer.split("\n")[0] not in reply
