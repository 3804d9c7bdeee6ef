"""The knowledge-base seed file: valid, safe, reachable, and validated in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.repository import MAX_EXAMPLE_CHARS, seed_examples
from bot.content.store import (
    ContentCache,
    ContentError,
    entry_intent,
    entry_key,
    get_content,
    iter_texts,
    load_content,
    parse_content,
)
from bot.training.build import ENTRY_ANCHOR, assemble_training_files

ROOT = Path(__file__).resolve().parents[2]


def minimal(**overrides) -> dict:
    entry = {"title": "X", "answer": "An answer.", "sources": ["Label"], "topic": "t"}
    entry.update(overrides)
    return {"topics": {"t": {"title": "T"}}, "entries": {"x": entry}}


def test_shipped_content_is_valid_and_has_at_least_60_entries() -> None:
    content = load_content()
    assert len(content.entries) >= 60
    assert all(e.question for e in content.entries.values())
    assert all(content.in_topic(t) for t in content.topics)


def test_entry_intents_round_trip() -> None:
    assert entry_intent("total_dose") == "faq_total_dose"
    assert entry_key("faq_total_dose") == "total_dose"
    assert entry_intent("no_reliable_info") == entry_key("no_reliable_info") == "no_reliable_info"
    assert entry_key("greet") is None


def test_every_entry_has_training_examples_of_its_own() -> None:
    examples = seed_examples()
    seen: dict[str, str] = {}
    for entry in get_content().entries.values():
        texts = examples.get(entry.intent, [])
        assert len(texts) >= 20, entry.key
        for text in texts:
            assert seen.setdefault(text.lower(), entry.key) == entry.key, text


def test_every_seed_example_passes_the_staff_pages_checks() -> None:
    """The seed's examples are what staff see on an entry's page: one that the pages would
    refuse (too long, markup) makes the entry impossible to save, and the export of the
    seed impossible to import again."""
    from bot.content.repository import _HTML_RE

    for intent, texts in seed_examples().items():
        for text in texts:
            assert len(text) <= MAX_EXAMPLE_CHARS, (intent, text[:60])
            assert not _HTML_RE.search(text), (intent, text)


def test_every_entry_is_answered_by_a_rule_and_inside_the_due_date_forms() -> None:
    files = assemble_training_files(ROOT)
    domain = yaml.safe_load(files["domain/domain.yml"])
    declared = set(domain["intents"]) | set(
        yaml.safe_load(files["domain/faq_topics.yml"])["intents"]
    )
    not_intent = domain["slots"]["patient_reference"]["mappings"][1]["not_intent"]
    rules = yaml.safe_load(files["data/rules/faq.yml"])["rules"]
    answer_rule = [s["intent"] for s in rules[0]["steps"][0]["or"]]
    in_form = [
        r
        for r in yaml.safe_load(files["data/rules/due_dates.yml"])["rules"]
        if r["rule"].startswith("a treatment question during")
    ]
    assert len(in_form) == 2
    for entry in get_content().entries.values():
        assert entry.intent in declared, entry.key
        if entry.key not in ("personal_advice", "contact"):  # the handoff rules answer these
            assert entry.intent in answer_rule, entry.key
        for rule in in_form:
            assert {"intent": entry.intent} in rule["steps"][0]["or"], (entry.key, rule["rule"])
        if entry.intent != ENTRY_ANCHOR:
            assert entry.intent in not_intent, entry.key


def test_areas_entries_cover_all_seven_protocol_areas() -> None:
    from bot.content.answers import AREA_ENTRIES
    from bot.nlu.components import PROTOCOL_AREAS

    assert set(AREA_ENTRIES) == set(PROTOCOL_AREAS)
    content = get_content()
    for key in AREA_ENTRIES.values():
        assert "one of 7 areas" in content.entries[key].answer
    assert "**31 sites**" in content.entries["injection_areas"].answer


def test_related_entries_exist() -> None:
    content = get_content()
    for entry in content.entries.values():
        assert all(r in content.entries and r != entry.key for r in entry.related), entry.key


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
        ({"topic": "nowhere"}, "'topic' must be one of"),
        ({"title": ""}, "'title' must be a short label"),
        ({"sources": []}, "sources"),
        ({"related": ["missing"]}, "does not exist"),
    ],
)
def test_invalid_content_is_rejected_with_a_plain_message(overrides, message) -> None:
    with pytest.raises(ContentError, match=message):
        parse_content(minimal(**overrides))


def test_edited_file_is_served_without_restart_and_bad_edit_keeps_last_good(tmp_path) -> None:
    path = tmp_path / "knowledge_base.yml"
    path.write_text(yaml.safe_dump(minimal(answer="First wording.")))
    cache = ContentCache(path)
    assert cache.get().entries["x"].answer == "First wording."

    path.write_text(yaml.safe_dump(minimal(answer="Second wording, a bit longer.")))
    assert cache.get().entries["x"].answer == "Second wording, a bit longer."

    path.write_text(yaml.safe_dump(minimal(answer="<b>broken</b> and longer still")))
    assert cache.get().entries["x"].answer == "Second wording, a bit longer."
