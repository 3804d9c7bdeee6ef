"""The FAQ content file: valid, safe, reachable, and validated in plain words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.content.store import (
    ContentCache,
    ContentError,
    get_content,
    iter_texts,
    load_content,
    parse_content,
)

ROOT = Path(__file__).resolve().parents[2]


def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


def minimal(**overrides) -> dict:
    topic = {"intent": "ask_x", "title": "X", "answer": "An answer.", "sources": ["Label"]}
    topic.update(overrides)
    return {"topics": {"x": topic}}


def test_shipped_content_is_valid() -> None:
    content = load_content()
    assert len(content.topics) >= 10


def test_every_topic_intent_is_in_the_domain_and_has_a_rule() -> None:
    intents = set(domain()["intents"])
    rules_text = "".join(p.read_text() for p in (ROOT / "data" / "rules").glob("*.yml"))
    for topic in get_content().topics.values():
        assert topic.intent in intents, topic.key
        assert re.search(rf"intent: {topic.intent}\n\s+- action: action_answer_faq", rules_text)


def test_every_topic_intent_has_training_examples() -> None:
    nlu = "".join(p.read_text() for p in (ROOT / "data" / "nlu").glob("*.yml"))
    for topic in get_content().topics.values():
        assert f"intent: {topic.intent}\n" in nlu, topic.key


def test_areas_answer_covers_all_seven_protocol_areas() -> None:
    from bot.nlu.components import PROTOCOL_AREAS

    topic = get_content().topics["injection_areas"]
    assert set(topic.areas) == set(PROTOCOL_AREAS)
    assert "31 small injections" in topic.answer


def test_no_answer_contains_markup() -> None:
    for where, text in iter_texts(get_content()):
        assert "<" not in text, where


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"answer": ""}, "empty"),
        ({"answer": "x" * 5000}, "characters long"),
        ({"answer": "Hi <script>alert(1)</script>"}, "HTML"),
        ({"answer": "[click](javascript:alert(1))"}, "script link"),
        ({"answer": "Call {clinic_fax}"}, "unknown placeholder"),
        ({"intent": "Ask Me"}, "'intent' must be a name"),
        ({"title": ""}, "'title' must be a short label"),
        ({"sources": []}, "sources"),
    ],
)
def test_invalid_content_is_rejected_with_a_plain_message(overrides, message) -> None:
    with pytest.raises(ContentError, match=message):
        parse_content(minimal(**overrides))


def test_same_intent_under_two_topics_is_rejected() -> None:
    raw = minimal()
    raw["topics"]["y"] = dict(raw["topics"]["x"])
    with pytest.raises(ContentError, match="already used by topic 'x'"):
        parse_content(raw)


def test_edited_file_is_served_without_restart_and_bad_edit_keeps_last_good(tmp_path) -> None:
    path = tmp_path / "faq.yml"
    path.write_text(yaml.safe_dump(minimal(answer="First wording.")))
    cache = ContentCache(path)
    assert cache.get().topics["x"].answer == "First wording."

    path.write_text(yaml.safe_dump(minimal(answer="Second wording, a bit longer.")))
    assert cache.get().topics["x"].answer == "Second wording, a bit longer."

    path.write_text(yaml.safe_dump(minimal(answer="<b>broken</b> and longer still")))
    assert cache.get().topics["x"].answer == "Second wording, a bit longer."
