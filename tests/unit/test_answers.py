"""Reply composition, without Rasa."""

from __future__ import annotations

from bot.content.answers import ALSO_ASKED_MIN_CONFIDENCE, compose_reply
from bot.content.store import get_content

CONTENT = get_content()
VALUES = {"clinic_phone": "020 7946 0000"}


def reply(**kwargs):
    return compose_reply(CONTENT, values=VALUES, **kwargs)


def test_topic_intent_gets_its_answer_and_becomes_expandable() -> None:
    r = reply(intent="ask_how_it_works")
    assert r.messages[0].text.startswith("Botox (onabotulinumtoxinA) is a **preventive**")
    assert r.expandable_topic == "how_it_works"


def test_tell_me_more_gives_the_longer_answer_once() -> None:
    r = reply(intent="ask_more", expandable_topic="how_it_works")
    assert "acetylcholine" in r.messages[0].text
    assert r.expandable_topic is None


def test_tell_me_more_with_nothing_to_expand_offers_topics() -> None:
    r = reply(intent="ask_more", expandable_topic=None)
    assert r.messages[0].text == "What would you like to know more about?"
    assert r.messages[0].buttons


def test_plain_yes_with_nothing_to_expand_uses_the_domain_response() -> None:
    r = reply(intent="affirm", expandable_topic=None)
    assert r.messages[0].response == "utter_affirm_ack"


def test_placeholders_are_filled() -> None:
    r = reply(intent="request_human")
    assert "020 7946 0000" in r.messages[0].text
    assert "{clinic_phone}" not in r.messages[0].text


def test_named_areas_get_area_answers_only() -> None:
    r = reply(intent="ask_injection_areas", areas=["neck", "shoulders"])
    text = r.messages[0].text
    assert "**The neck**" in text and "trapezius" in text
    assert "between the eyebrows\n" not in text
    assert r.expandable_topic is None


def test_area_outside_the_protocol_says_so() -> None:
    r = reply(intent="ask_injection_areas", areas=["jaw"])
    assert "does not include **the jaw**" in r.messages[0].text


def test_areas_named_in_another_topic_do_not_change_its_answer() -> None:
    r = reply(intent="ask_side_effects", areas=["neck"])
    assert r.messages[0].text.startswith("The most common side effects")


def test_second_topic_in_one_question_is_offered_as_a_button() -> None:
    ranking = [
        {"name": "ask_how_it_works", "confidence": 0.6},
        {"name": "ask_results_timing", "confidence": ALSO_ASKED_MIN_CONFIDENCE + 0.1},
    ]
    r = reply(intent="ask_how_it_works", ranking=ranking)
    assert r.messages[1].buttons[0].payload == "/ask_results_timing"


def test_weak_second_guess_is_not_offered() -> None:
    ranking = [
        {"name": "ask_how_it_works", "confidence": 0.95},
        {"name": "ask_results_timing", "confidence": 0.01},
    ]
    assert len(reply(intent="ask_how_it_works", ranking=ranking).messages) == 1


def test_red_flag_answers_the_other_question_after_the_advice() -> None:
    ranking = [
        {"name": "report_red_flag", "confidence": 1.0},
        {"name": "ask_side_effects", "confidence": 0.8},
    ]
    r = reply(intent="report_red_flag", ranking=ranking)
    assert r.messages[0].text == "About your other question:"
    assert r.messages[1].text.startswith("The most common side effects")


def test_red_flag_alone_adds_nothing_after_the_advice() -> None:
    ranking = [{"name": "report_red_flag", "confidence": 1.0}]
    assert reply(intent="report_red_flag", ranking=ranking).messages == []


def test_unknown_intent_gets_the_default_response() -> None:
    assert reply(intent="nonsense").messages[0].response == "utter_default"
