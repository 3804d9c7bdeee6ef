"""Reply composition from the knowledge base, without Rasa."""

from __future__ import annotations

from bot.content.answers import (
    ALSO_ASKED_MIN_CONFIDENCE,
    SOMETHING_ELSE_PAYLOAD,
    area_follow_up,
    compose_reply,
    did_you_mean,
)
from bot.content.store import get_content

CONTENT = get_content()
VALUES = {"clinic_phone": "020 7946 0000"}


def reply(**kwargs):
    return compose_reply(CONTENT, values=VALUES, **kwargs)


def test_entry_intent_gets_its_answer_and_related_entries_as_buttons() -> None:
    r = reply(intent="faq_total_dose")
    assert len(r.messages) == 1  # the buttons sit under the answer, not in a bubble of their own
    assert "155 units" in r.messages[0].text
    assert r.expandable_topic == "total_dose"
    assert [b.payload for b in r.messages[0].buttons] == [
        f"/faq_{k}" for k in CONTENT.entries["total_dose"].related
    ]


def test_tell_me_more_offers_the_related_entries() -> None:
    r = reply(intent="ask_more", expandable_topic="total_dose")
    assert r.messages[0].buttons
    assert {b.payload for b in r.messages[0].buttons} == {
        f"/faq_{k}" for k in CONTENT.entries["total_dose"].related
    }
    assert r.expandable_topic is None


def test_tell_me_more_with_nothing_to_expand_offers_topics() -> None:
    r = reply(intent="ask_more", expandable_topic=None)
    assert r.messages[0].text == "What would you like to know more about?"
    titles = [b.title for b in r.messages[0].buttons]
    assert titles[:3] == list(CONTENT.topics.values())[:3]


def test_plain_yes_with_nothing_to_expand_uses_the_domain_response() -> None:
    r = reply(intent="affirm", expandable_topic=None)
    assert r.messages[0].response == "utter_affirm_ack"


def test_placeholders_are_filled() -> None:
    r = reply(intent="no_reliable_info")
    assert "020 7946 0000" in r.messages[0].text
    assert "{clinic_phone}" not in r.messages[0].text


def test_named_areas_get_those_areas_answers_only() -> None:
    r = reply(intent="faq_injection_areas", areas=["neck", "shoulders"])
    text = r.messages[0].text
    assert CONTENT.entries["area_neck"].answer in text
    assert CONTENT.entries["area_shoulders"].answer in text
    assert CONTENT.entries["injection_areas"].answer not in text
    assert text.count("one of 7 areas") == 2


def test_one_area_answer_says_it_is_one_of_seven() -> None:
    r = reply(intent="faq_area_forehead", text="do you inject the forehead?", areas=["forehead"])
    assert "one of 7 areas" in r.messages[0].text


def test_only_one_area_gets_no_and_the_seven() -> None:
    r = reply(
        intent="faq_area_forehead",
        text="is it just the forehead they inject?",
        areas=["forehead"],
    )
    text = r.messages[0].text
    assert text == CONTENT.entries["only_one_area"].answer
    assert text.startswith("**No.")
    for area in ("between the eyebrows", "temples", "back of the head", "neck", "shoulders"):
        assert area in text


def test_area_outside_the_protocol_says_so() -> None:
    r = reply(intent="faq_injection_areas", areas=["jaw"])
    assert r.messages[0].text == CONTENT.entries["area_not_in_protocol"].answer


def test_areas_named_in_another_entry_do_not_change_its_answer() -> None:
    r = reply(intent="faq_side_effects", areas=["neck"])
    assert r.messages[0].text == CONTENT.entries["side_effects"].answer


def test_an_area_follow_up_after_an_areas_answer_is_that_areas_question() -> None:
    r = area_follow_up(CONTENT, areas=["neck"], expandable_topic="injection_areas", values=VALUES)
    assert r is not None and r.messages[0].text == CONTENT.entries["area_neck"].answer
    assert (
        area_follow_up(CONTENT, areas=["neck"], expandable_topic="schedule", values=VALUES) is None
    )
    assert (
        area_follow_up(CONTENT, areas=[], expandable_topic="injection_areas", values=VALUES) is None
    )


def test_second_entry_in_one_question_is_offered_as_a_button() -> None:
    ranking = [
        {"name": "faq_schedule", "confidence": 0.6},
        {"name": "faq_does_it_hurt", "confidence": ALSO_ASKED_MIN_CONFIDENCE + 0.05},
    ]
    r = reply(intent="faq_schedule", ranking=ranking)
    assert r.messages[-1].text == "You might also want to know:"
    assert r.messages[-1].buttons[0].payload == "/faq_does_it_hurt"


def test_weak_second_guess_is_not_offered() -> None:
    ranking = [
        {"name": "faq_schedule", "confidence": 0.9},
        {"name": "faq_does_it_hurt", "confidence": ALSO_ASKED_MIN_CONFIDENCE - 0.05},
    ]
    r = reply(intent="faq_schedule", ranking=ranking)
    assert all(m.text != "You might also want to know:" for m in r.messages)


def test_red_flag_answers_the_other_question_after_the_advice() -> None:
    ranking = [
        {"name": "report_red_flag", "confidence": 1.0},
        {"name": "faq_side_effects", "confidence": 0.7},
    ]
    r = reply(intent="report_red_flag", ranking=ranking)
    assert r.messages[0].text == "About your other question:"
    assert r.messages[1].text == CONTENT.entries["side_effects"].answer


def test_red_flag_alone_adds_nothing_after_the_advice() -> None:
    r = reply(intent="report_red_flag", ranking=[{"name": "report_red_flag", "confidence": 1.0}])
    assert r.messages == []


def test_did_you_mean_offers_the_likely_entries_and_something_else() -> None:
    ranking = [
        {"name": "faq_total_dose", "confidence": 0.31},
        {"name": "greet", "confidence": 0.2},
        {"name": "faq_number_of_injections", "confidence": 0.25},
        {"name": "faq_extra_doses", "confidence": 0.1},
        {"name": "faq_needle", "confidence": 0.06},
    ]
    r = did_you_mean(CONTENT, ranking, VALUES)
    assert r is not None
    assert r.candidates == ["total_dose", "number_of_injections", "extra_doses"]
    buttons = r.messages[0].buttons
    assert buttons[0].title == CONTENT.entries["total_dose"].question
    assert buttons[-1].payload == SOMETHING_ELSE_PAYLOAD


def test_did_you_mean_with_no_likely_entry_gives_nothing() -> None:
    assert did_you_mean(CONTENT, [{"name": "greet", "confidence": 0.9}], VALUES) is None


def test_a_withdrawn_entry_sends_the_patient_to_the_clinic() -> None:
    from dataclasses import replace

    content = replace(CONTENT, withdrawn=frozenset({"faq_retired"}))
    r = compose_reply(content, intent="faq_retired", values=VALUES)
    assert "020 7946 0000" in r.messages[0].text


def test_unknown_intent_gets_the_default_response() -> None:
    r = reply(intent="something_else")
    assert r.messages[0].response == "utter_default"


def test_a_question_inside_a_form_gets_the_likeliest_entry_without_buttons() -> None:
    from bot.content.answers import IN_FORM_MIN_CONFIDENCE, in_form_question

    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "faq_side_effects", "confidence": IN_FORM_MIN_CONFIDENCE + 0.05},
    ]
    r = in_form_question(CONTENT, ranking, "wait, what are the side effects?", VALUES)
    assert r is not None and len(r.messages) == 1
    assert r.messages[0].text == CONTENT.entries["side_effects"].answer
    assert r.messages[0].buttons == []


def test_an_answer_to_the_form_or_an_unlikely_guess_is_not_taken_for_a_question() -> None:
    from bot.content.answers import IN_FORM_MIN_CONFIDENCE, in_form_question

    likely = [{"name": "faq_side_effects", "confidence": 0.9}]
    assert in_form_question(CONTENT, likely, "BTX-10O1", VALUES) is None  # not a question
    assert in_form_question(CONTENT, likely, "15th of march", VALUES) is None
    unlikely = [{"name": "faq_side_effects", "confidence": IN_FORM_MIN_CONFIDENCE - 0.05}]
    assert in_form_question(CONTENT, unlikely, "what about the weather?", VALUES) is None


def test_a_side_effect_described_as_ones_own_gets_the_own_experience_answer() -> None:
    ranking = [
        {"name": "faq_side_effect_injection_site", "confidence": 0.6},
        {"name": "own_experience", "confidence": 0.31},
    ]
    r = reply(intent="faq_side_effect_injection_site", ranking=ranking)
    assert "Please tell the clinic" in r.messages[0].text and "Call 999" in r.messages[0].text
    assert [b.payload for b in r.messages[1].buttons] == ["/faq_side_effect_injection_site"]
    # A general question about the side effect (own experience unlikely) gets the entry.
    general = reply(intent="faq_side_effect_injection_site", ranking=ranking[:1])
    assert general.messages[0].text.startswith("**It can happen.**")


def test_is_it_only_one_area_is_answered_even_when_the_classifier_was_unsure() -> None:
    only = CONTENT.entries["only_one_area"].answer
    r = area_follow_up(
        CONTENT,
        areas=["back_of_head"],
        expandable_topic=None,
        text="Is it only the back of the head that gets injected?",
        values=VALUES,
    )
    assert r is not None and r.messages[0].text == only
    # Without "only" and with no areas answer before, an area alone is not enough.
    assert (
        area_follow_up(
            CONTENT,
            areas=["back_of_head"],
            expandable_topic=None,
            text="back of head",
            values=VALUES,
        )
        is None
    )


def test_how_many_in_one_area_gets_that_areas_count_not_the_whole_session() -> None:
    r = reply(
        intent="faq_number_of_injections", text="how many injections in the neck?", areas=["neck"]
    )
    assert r.messages[0].text == CONTENT.entries["area_neck"].answer
    r = reply(
        intent="faq_total_dose",
        text="how many units go in the forehead and temples?",
        areas=["forehead", "temples"],
    )
    assert CONTENT.entries["area_forehead"].answer in r.messages[0].text
    assert CONTENT.entries["area_temples"].answer in r.messages[0].text
    # The whole session asked for, an area named on the way: the session's figure.
    r = reply(
        intent="faq_number_of_injections",
        text="how many injections in total, neck included?",
        areas=["neck"],
    )
    assert r.messages[0].text == CONTENT.entries["number_of_injections"].answer


def test_how_many_there_after_one_areas_answer_is_about_that_area() -> None:
    r = reply(
        intent="faq_number_of_injections", text="how many there?", expandable_topic="area_neck"
    )
    assert r.messages[0].text == CONTENT.entries["area_neck"].answer
    # Not after another entry, not without pointing back, not for the whole session.
    for topic, text in [
        ("schedule", "how many there?"),
        ("area_neck", "how many injections will I have?"),
        ("area_neck", "how many is that in total?"),
    ]:
        r = reply(intent="faq_number_of_injections", text=text, expandable_topic=topic)
        assert r.messages[0].text == CONTENT.entries["number_of_injections"].answer, (topic, text)


def test_how_many_there_is_answered_even_when_the_classifier_was_unsure() -> None:
    r = area_follow_up(
        CONTENT,
        areas=[],
        expandable_topic="area_forehead",
        text="and how many units in that area?",
        values=VALUES,
    )
    assert r is not None and r.messages[0].text == CONTENT.entries["area_forehead"].answer
    assert (
        area_follow_up(
            CONTENT,
            areas=[],
            expandable_topic="area_forehead",
            text="does it hurt there?",
            values=VALUES,
        )
        is None
    )
