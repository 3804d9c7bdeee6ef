"""Every knowledge-base entry is the answer to a direct question, over REST against the real
Rasa server, action server and trained model; and the paths that are not an entry's answer:
no reliable information (recorded for staff), the patient's own experience, "only one area".

The questions (``kb_questions.yml``) were written from the entries' answers by someone who
never saw the training data, two per entry. A fact is reachable when one of them gets the
entry's answer at once, or offers it as a "Did you mean ...?" button whose answer it is
(one tap). The expected text is read from the seed content, so a wording change does not
break these tests, while a wrong entry does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.clinic import DEFAULT_PHONE
from bot.content.store import get_content, render
from bot.db.models import UnansweredQuestion
from bot.db.session import session_scope
from bot.settings import load_settings
from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e

CONTENT = get_content()
PHONE = load_settings().clinic_phone or DEFAULT_PHONE
QUESTIONS = yaml.safe_load((Path(__file__).with_name("kb_questions.yml")).read_text())


def answer_of(key: str) -> str:
    """The first paragraph of an entry's answer, as patients get it."""
    return render(CONTENT.entries[key].answer, {"clinic_phone": PHONE}).split("\n\n")[0]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def buttons(messages: list[dict[str, Any]]) -> list[str]:
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.rasa_url)


def test_every_entry_with_a_topic_has_test_questions() -> None:
    with_topic = {k for k, e in CONTENT.entries.items() if e.topic}
    assert with_topic <= set(QUESTIONS["entries"])


@pytest.mark.parametrize("key", sorted(QUESTIONS["entries"]))
def test_each_entry_answers_a_direct_question(stack, key: str) -> None:
    expected = answer_of(key)
    tried = []
    for question in QUESTIONS["entries"][key]:
        chat = Chat(stack.rasa_url)
        messages = chat.send(question)
        if expected in texts(messages):
            return
        payload = f"/{CONTENT.entries[key].intent}"
        if "Did you mean" in texts(messages) and payload in buttons(messages):
            assert expected in chat.say(payload)
            return
        tried.append((question, texts(messages)[:80]))
    pytest.fail(f"{key}: no direct question reached it: {tried}")


@pytest.mark.parametrize("question", QUESTIONS["no_reliable_info"])
def test_no_reliable_information_is_said_plainly_offered_a_call_back_and_recorded(
    stack, question: str
) -> None:
    chat = Chat(stack.rasa_url)
    messages = chat.send(question)
    reply = texts(messages)
    assert "no reliable information" in reply
    assert PHONE in reply
    assert "/request_callback" in buttons(messages)
    for key, entry in CONTENT.entries.items():  # never another entry's answer
        if entry.topic:
            assert answer_of(key) not in reply, key
    with session_scope(stack.settings.database_url) as session:
        kinds = session.execute(
            select(UnansweredQuestion.kind).where(UnansweredQuestion.text == question)
        ).scalars()
        assert "no_reliable_info" in list(kinds)


def test_a_no_reliable_information_question_is_listed_for_staff(stack) -> None:
    from bot.insights.records import unanswered_questions

    question = QUESTIONS["no_reliable_info"][0]
    Chat(stack.rasa_url).send(question)
    with session_scope(stack.settings.database_url) as session:
        groups = {g.text: g for g in unanswered_questions(session)}
    assert groups[question.lower()].kind == "no_reliable_info"


@pytest.mark.parametrize("question", QUESTIONS["own_experience"])
def test_own_experience_gets_the_side_effect_facts_tell_the_clinic_and_the_red_flag_line(
    stack, question: str
) -> None:
    reply = Chat(stack.rasa_url).say(question)
    assert "Please tell the clinic" in reply and PHONE in reply
    assert "Call 999" in reply
    assert "drooping eyelid" in reply


def test_a_red_flag_described_as_own_experience_gets_the_emergency_advice_first(chat) -> None:
    messages = chat.send("since my jabs last week I have double vision, is that normal?")
    assert "call emergency services now" in messages[0]["text"]


@pytest.mark.parametrize("question", QUESTIONS["only_one_area_no"])
def test_only_one_area_gets_no_and_the_seven(stack, question: str) -> None:
    reply = Chat(stack.rasa_url).say(question)
    assert reply.startswith("**No.**")
    for area in ("between the eyebrows", "bridge of the nose", "forehead", "temples"):
        assert area in reply
    assert "the back of the head" in reply and "shoulders" in reply


def test_an_area_follow_up_uses_the_previous_answer(chat) -> None:
    assert answer_of("injection_areas") in chat.say("where do the injections go?")
    reply = chat.say("and the neck?")
    assert answer_of("area_neck") in reply


def test_related_entries_are_offered_as_buttons(chat) -> None:
    messages = chat.send("how many units of botox do they use altogether?")
    assert answer_of("total_dose") in texts(messages)
    related = {f"/{CONTENT.entries[k].intent}" for k in CONTENT.entries["total_dose"].related}
    assert related <= set(buttons(messages))
