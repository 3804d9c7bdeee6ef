"""The spaCy-based components on the real offline pipeline (lemmas matter here)."""

from __future__ import annotations

import pytest
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components import (
    AreaMatcher,
    InjectionAreaExtractor,
    NamedMedicineDetector,
    RedFlagDetector,
    RedFlagMatcher,
)


def doc(nlp, text):
    return nlp(text.lower())  # SpacyNLP lower-cases (case_sensitive: false)


def test_pipeline_lemmatizes_offline(spacy_nlp) -> None:
    assert [t.lemma_ for t in spacy_nlp("injections swallowing shoulders")] == [
        "injection",
        "swallow",
        "shoulder",
    ]


@pytest.mark.parametrize(
    ("text", "areas"),
    [
        ("Do you inject my NECK?", ["neck"]),
        ("why the shoulders?", ["shoulders"]),
        ("jabs in the back of my head and the temples", ["back_of_head", "temples"]),
        ("between the eyes", ["eyebrows"]),
        ("the bridge of my nose", ["bridge_of_nose"]),
        ("my forehead", ["forehead"]),
        ("upper back", ["shoulders"]),
        ("lower back", ["lower back"]),
        ("will it go in my jaw", ["jaw"]),
        ("when will it start working", []),
    ],
)
def test_area_matcher(spacy_nlp, text, areas) -> None:
    assert [a for a, _, _ in AreaMatcher().find(doc(spacy_nlp, text))] == areas


@pytest.mark.parametrize(
    "text",
    [
        "I have trouble swallowing",
        "cant breathe",
        "i can't swallow properly since the jabs",
        "it's hard to swallow",
        "my husband is struggling to breathe after botox",
        "breathing is difficult",
        "my speech is slurred",
        "I'm seeing double",
        "short of breath",
        "i feel weak all over",
        "i cannot speak properly",
        # The boxed warning's symptoms in patients' own words and typos (2026-12-07)
        "struggling to talk since my injections",
        "i cant swalow properly",
        "cnt breath",
        "food keeps getting stuck in my throat since the injections",
        "my throat feels like it is closing up",
        "everything looks double",
        "I've got double-vision",
        "i'm seeing two of everything",
        "i can't lift my arms",
        "my girlfriend can barely talk after botox",
        "my words are coming out all wrong",
        "weakness in both my legs since yesterday",
        "my eyelids are drooping and i feel weak",
        "my eyelids are heavy and i feel weak everywhere",
        "i can't get enough air",
        "the leaflet said dysphagia, i think i have it",
        "i've lost my voice since the jabs",
        "my vision has gone double",
        "i feel so weak since the injections",
        "I've got weakness since yesterday's botox",
        "feeling very weak since the injections",
    ],
)
def test_red_flags_are_detected(spacy_nlp, text) -> None:
    assert RedFlagMatcher().find(doc(spacy_nlp, text))


@pytest.mark.parametrize(
    "text",
    [
        "can I speak to a nurse",
        "i don't want to talk to a bot",
        "I can't speak to anyone at the clinic",
        "when will it start working",
        "my neck is a bit sore",
        "how many injections",
        # Look-alikes of the new rules: common side effects and everyday talk
        "my eyelid is drooping a bit since the injections",
        "my neck feels weak and stiff",
        "it's hard to talk about my migraines",
        "can i talk to someone about the cost",
        "i have a sore throat",
        "is the dose double the cosmetic one?",
        "I can't move my appointment",
        "what are the words for the muscles they inject",
        "my forehead feels weak since the injections",
        "i feel weak in my neck",
        "can i eat before my appointment",
        "my jaw hurts when i eat",
        "will my muscles feel weak",
        "i feel much better since the injections",
    ],
)
def test_ordinary_messages_are_not_red_flags(spacy_nlp, text) -> None:
    assert RedFlagMatcher().find(doc(spacy_nlp, text)) == []


def message(nlp, text, intent=None):
    m = Message(data={"text": text})
    m.set(SPACY_DOCS["text"], doc(nlp, text))
    if intent:
        m.set("intent", {"name": intent, "confidence": 0.4})
        m.set("intent_ranking", [{"name": intent, "confidence": 0.4}])
    return m


def test_detector_overrides_the_intent_and_keeps_the_ranking(spacy_nlp) -> None:
    m = message(spacy_nlp, "is trouble swallowing a side effect", intent="ask_side_effects")
    RedFlagDetector().process([m])
    assert m.get("intent") == {"name": "report_red_flag", "confidence": 1.0}
    assert [r["name"] for r in m.get("intent_ranking")] == ["report_red_flag", "ask_side_effects"]


def test_detector_leaves_other_messages_alone(spacy_nlp) -> None:
    m = message(spacy_nlp, "how often are injections", intent="ask_schedule")
    RedFlagDetector().process([m])
    assert m.get("intent")["name"] == "ask_schedule"


def test_extractor_adds_entities_with_offsets(spacy_nlp) -> None:
    text = "Do you inject my neck?"
    m = message(spacy_nlp, text)
    InjectionAreaExtractor().process([m])
    [entity] = m.get("entities")
    assert entity["entity"] == "injection_area" and entity["value"] == "neck"
    assert text[entity["start"] : entity["end"]] == "neck"
    assert entity["extractor"] == "InjectionAreaExtractor"


def _parsed(nlp, text: str, intent: str) -> Message:
    message = Message(data={"text": text})
    message.set(SPACY_DOCS["text"], doc(nlp, text))
    message.set("intent", {"name": intent, "confidence": 0.52})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.52}])
    return message


def test_another_named_medicine_is_no_reliable_information(spacy_nlp) -> None:
    nlp = spacy_nlp
    detector = NamedMedicineDetector()
    asked = _parsed(nlp, "Is it safe to take warfarin with Botox?", "faq_is_it_safe")
    unsure = _parsed(nlp, "can i keep taking Topiramate", "nlu_fallback")
    eligible = _parsed(nlp, "I've tried topiramate, can I have botox?", "faq_who_is_it_for")
    rescue = _parsed(nlp, "can I still take sumatriptan", "faq_is_it_safe")
    own = _parsed(nlp, "should I stop my amitriptyline", "ask_personal_advice")
    detector.process([asked, unsure, eligible, rescue, own])
    assert asked.get("intent")["name"] == "no_reliable_info"
    assert unsure.get("intent")["name"] == "no_reliable_info"
    assert eligible.get("intent")["name"] == "faq_who_is_it_for"  # an entry about medicines
    assert rescue.get("intent")["name"] == "faq_is_it_safe"  # rescue medicines: on the sheet
    assert own.get("intent")["name"] == "ask_personal_advice"  # handed to the clinic
