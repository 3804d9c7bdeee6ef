"""The edit page's draft preview, without Rasa: a parse result as Rasa's ``/model/parse``
gives it, answered with the draft in place of its entry."""

from __future__ import annotations

import dataclasses

from bot.content.preview import preview_reply
from bot.content.store import get_content

LIVE = get_content()
VALUES = {"clinic_phone": "020 7946 0000"}
DRAFT = dataclasses.replace(
    LIVE.entries["schedule"], answer="Draft: every **twelve** weeks. Call {clinic_phone}."
)


def parsed(intent: str, confidence: float, *others: tuple[str, float], entities=()) -> dict:
    ranking = [{"name": intent, "confidence": confidence}]
    ranking += [{"name": n, "confidence": c} for n, c in others]
    return {
        "text": "a question",
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking,
        "entities": list(entities),
    }


def test_a_question_for_the_edited_entry_gets_the_drafts_text() -> None:
    result = preview_reply(LIVE, DRAFT, parsed("faq_schedule", 0.83), VALUES)
    assert result.from_draft and result.chosen == "schedule"
    assert result.messages[0].text == "Draft: every **twelve** weeks. Call 020 7946 0000."
    assert 'chose "How often it is given" (83% sure)' in result.note
    assert "your draft's text" in result.note
    # its related entries are offered under it, as in the chat
    related = [LIVE.entries[k].title for k in DRAFT.related]
    assert result.messages[0].buttons == related
    assert LIVE.entries["schedule"].answer != DRAFT.answer  # the live content is untouched


def test_a_question_for_another_entry_gets_that_entrys_live_text() -> None:
    result = preview_reply(LIVE, DRAFT, parsed("faq_total_dose", 0.71), VALUES)
    assert not result.from_draft and result.chosen == "total_dose"
    assert result.messages[0].text.startswith(LIVE.entries["total_dose"].answer.split("\n")[0])
    assert "live text" in result.note and "71% sure" in result.note


def test_an_unsure_question_is_not_answered_and_the_preview_says_why() -> None:
    result = preview_reply(
        LIVE,
        DRAFT,
        parsed("nlu_fallback", 0.5, ("faq_schedule", 0.31), ("faq_total_dose", 0.2)),
        VALUES,
    )
    assert not result.from_draft and result.chosen is None
    assert "not sure" in result.note and '"How often it is given", is only 31% sure' in result.note
    assert result.messages[0].text.startswith("Sorry, I'm not sure I understood. Did you mean")
    assert LIVE.entries["schedule"].question in result.messages[0].buttons


def test_a_question_for_another_part_of_the_assistant_is_sent_to_the_live_chat() -> None:
    result = preview_reply(LIVE, DRAFT, parsed("greet", 0.97), VALUES)
    assert result.messages == [] and not result.from_draft
    assert '"greet"' in result.note and "live chat" in result.note


def test_an_urgent_symptom_shows_the_emergency_advice_first() -> None:
    result = preview_reply(LIVE, DRAFT, parsed("report_red_flag", 1.0), VALUES)
    assert "999" in result.messages[0].text
    assert result.note.startswith("This reads as an urgent symptom")


def test_a_taken_down_entry_is_previewed_with_its_draft() -> None:
    live = dataclasses.replace(
        LIVE,
        entries={k: e for k, e in LIVE.entries.items() if k != "schedule"},
        withdrawn=frozenset({"faq_schedule"}),
    )
    result = preview_reply(live, DRAFT, parsed("faq_schedule", 0.9), VALUES)
    assert result.from_draft and "Draft: every **twelve** weeks" in result.messages[0].text
