"""CodeLikeInputDetector: code and markup become nlu_fallback; patients' sentences never do."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components import CodeLikeInputDetector, looks_like_code

CODE = [
    "'; DROP TABLE patients; --",
    "1 UNION SELECT password FROM users",
    "select * from patients",
    "' or '1'='1",
    "x' OR 1=1 --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<b>BTX-1001</b>",
    "javascript:alert(1)",
    "{{ reference }}",
    "${jndi:ldap://x}",
    "INSERT INTO patients VALUES (1)",
    "delete from patients;",
]
SENTENCES = [
    "can I select a date from the calendar for my next session?",
    "I dropped my tablets, does it matter for botox",
    "is the table in the clinic where they inject you",
    "my neck <3 hurts a bit after",
    "what's the 1=1 rule",  # no quote before it: plain text
    "should I delete the reminder from my phone",
    "it's 12 weeks -- right?",
    "I had 155 units; is that normal?",
    "BTX-1001",
    "15/03/1984",
]


@pytest.mark.parametrize("text", CODE)
def test_code_and_markup_are_recognised(text: str) -> None:
    assert looks_like_code(text)


@pytest.mark.parametrize("text", SENTENCES)
def test_patient_sentences_are_not(text: str) -> None:
    assert not looks_like_code(text)


def test_the_component_forces_nlu_fallback_and_leaves_other_messages_alone() -> None:
    guessed = {"name": "cancel", "confidence": 0.6}
    code = Message(data={TEXT: "'; DROP TABLE patients; --"})
    code.set(INTENT, guessed)
    code.set(INTENT_RANKING_KEY, [guessed])
    question = Message(data={TEXT: "how does botox work"})
    question.set(INTENT, {"name": "ask_how_it_works", "confidence": 0.9})
    CodeLikeInputDetector().process([code, question])
    assert code.get(INTENT) == {"name": "nlu_fallback", "confidence": 1.0}
    assert [r["name"] for r in code.get(INTENT_RANKING_KEY)] == ["nlu_fallback", "cancel"]
    assert question.get(INTENT)["name"] == "ask_how_it_works"
