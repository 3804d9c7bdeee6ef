"""The FAQ content in the database: seed, validation in plain words, versions, publishing,
rollback, taking down, live content, export/import, audit, training inputs."""

from __future__ import annotations

import dataclasses
import json

import pytest
import yaml
from sqlalchemy import select

from bot.content import repository as repo
from bot.content.answers import compose_reply
from bot.content.repository import TopicDraft
from bot.content.store import ContentError, get_content
from bot.db.faq_models import AuditEntry, FaqTopic
from bot.db.session import session_scope
from bot.settings import load_settings
from bot.training.build import assemble_training_data, database_faq_topics

NEW_EXAMPLES = [
    "can I bring a friend to my appointment",
    "may my partner come in with me",
    "is it ok to bring someone along",
    "can a relative sit with me during the injections",
    "can my mum come with me",
]


def draft_of(session, key: str) -> TopicDraft:
    return TopicDraft.of(repo.latest_version(repo.get_topic(session, key)))


def new_topic_draft(**changes) -> TopicDraft:
    draft = TopicDraft(
        title="Bringing someone",
        answer="You are welcome to bring **one person** with you.",
        sources=["Clinic policy"],
        examples=list(NEW_EXAMPLES),
    )
    return dataclasses.replace(draft, **changes)


def actions(session) -> list[tuple[str, str, str | None]]:
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
    return [(r.actor, r.action, r.topic_key) for r in rows]


def test_seeded_database_serves_exactly_the_seed_file(seeded_url: str) -> None:
    live = repo.get_live_content(seeded_url)
    assert live.entries == get_content().entries
    assert list(live.entries) == list(get_content().entries)


def test_seed_takes_each_entrys_example_questions_from_kb_examples(session) -> None:
    seed = repo.seed_examples()
    topics = repo.training_topics(session)
    assert len(topics) == len(get_content().entries)
    for intent, examples in topics:
        assert examples and set(examples) <= set(seed[intent])


def test_seeding_twice_adds_nothing(session) -> None:
    assert repo.seed_topics(session) == 0


def test_a_published_wording_is_live_on_the_next_read_and_a_draft_is_not(seeded_url) -> None:
    with session_scope(seeded_url) as session:
        draft = draft_of(session, "schedule")
        draft.answer = "Sessions are **12 weeks** apart. New wording."
        repo.save_draft(session, "schedule", draft, "nurse")
    assert "New wording" not in repo.get_live_content(seeded_url).entries["schedule"].answer
    with session_scope(seeded_url) as session:
        result = repo.publish(session, "schedule", "nurse")
    assert result.version == 2 and not result.examples_changed
    assert repo.get_live_content(seeded_url).entries["schedule"].answer.endswith("New wording.")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answer": "   "}, "empty"),
        ({"answer": "x" * 2000}, "characters long"),
        ({"answer": "Hello <script>alert(1)</script>"}, "contains HTML"),
        ({"answer": "<img src=x onerror=alert(1)>"}, "contains HTML"),
        ({"answer": "[see](javascript:alert(1))"}, "script link"),
        ({"answer": "Call {clinic_fax}"}, "unknown placeholder"),
        ({"title": ""}, "short title"),
        ({"title": "A title far too long to fit on any button at all"}, "40 or fewer"),
        ({"sources": []}, "sources"),
        ({"examples": NEW_EXAMPLES[:3]}, "at least 5 different"),
        ({"examples": [*NEW_EXAMPLES, "<b>hi</b> there"]}, "contains HTML"),
        (
            {"examples": [*NEW_EXAMPLES, "How does Botox work for migraine?"]},
            "already used by the topic 'How",
        ),
        ({"examples": [*NEW_EXAMPLES, "hello"]}, "already used by the assistant's 'greet'"),
    ],
)
def test_invalid_content_is_rejected_in_plain_words(session, change, message) -> None:
    with pytest.raises(ContentError, match=message):
        repo.create_topic(session, new_topic_draft(**change), "nurse")
    assert (
        session.execute(select(FaqTopic).where(FaqTopic.key == "bringing_someone")).first() is None
    )


def test_the_same_question_cannot_go_under_two_topics(session) -> None:
    draft = draft_of(session, "schedule")
    draft.examples.append(draft_of(session, "side_effects").examples[0].upper() + "?")
    with pytest.raises(ContentError, match="already used by the topic 'Side effects'"):
        repo.save_draft(session, "schedule", draft, "nurse")


def test_new_topic_is_a_draft_until_published_then_needs_training(session) -> None:
    key = repo.create_topic(session, new_topic_draft(), "nurse")
    assert key == "bringing_someone"
    assert "bringing_someone" not in repo.live_content(session).entries
    assert "faq_bringing_someone" not in dict(repo.training_topics(session))
    result = repo.publish(session, key, "coordinator")
    assert result.examples_changed
    topic = repo.live_content(session).entries["bringing_someone"]
    assert topic.intent == "faq_bringing_someone" and topic.title == "Bringing someone"
    assert dict(repo.training_topics(session))["faq_bringing_someone"] == NEW_EXAMPLES


def test_rollback_publishes_an_old_version_as_a_new_one(session) -> None:
    original = draft_of(session, "schedule").answer
    draft = draft_of(session, "schedule")
    draft.answer = "A newer wording."
    repo.save_draft(session, "schedule", draft, "nurse")
    repo.publish(session, "schedule", "nurse")
    result = repo.rollback(session, "schedule", 1, "coordinator")
    assert result.version == 3 and not result.examples_changed
    assert repo.live_content(session).entries["schedule"].answer == original
    topic = repo.get_topic(session, "schedule")
    assert [v.number for v in topic.versions] == [1, 2, 3]  # every version kept
    assert topic.versions[2].note == "rollback to version 1"


def test_history_diff_shows_what_changed(session) -> None:
    draft = draft_of(session, "schedule")
    draft.answer = draft.answer + "\n\nAn added paragraph."
    version = repo.save_draft(session, "schedule", draft, "nurse")
    topic = repo.get_topic(session, "schedule")
    diffs = repo.version_diff(topic.versions[0], version)
    assert [d.name for d in diffs] == ["answer"]
    assert ("+", "An added paragraph.") in diffs[0].lines


def test_taken_down_topic_is_not_answered_but_sends_to_the_clinic(session) -> None:
    repo.take_down(session, "side_effects", "coordinator")
    content = repo.live_content(session)
    assert "side_effects" not in content.entries
    assert "faq_side_effects" in content.withdrawn
    # still in the model, so the question is still recognised
    assert "faq_side_effects" in dict(repo.training_topics(session))
    reply = compose_reply(content, intent="faq_side_effects", values={"clinic_phone": "0123"})
    assert (
        reply.messages[0].text
        == "I can't answer that one at the moment. Please ask the clinic on 0123."
    )
    repo.publish(session, "side_effects", "coordinator")
    assert "side_effects" in repo.live_content(session).entries


def test_every_change_is_in_the_audit_log(session) -> None:
    key = repo.create_topic(session, new_topic_draft(), "nurse")
    repo.publish(session, key, "coordinator")
    repo.take_down(session, key, "coordinator")
    repo.rollback(session, key, 1, "nurse")
    assert actions(session)[1:] == [
        ("nurse", "create_topic", key),
        ("coordinator", "publish", key),
        ("coordinator", "take_down", key),
        ("nurse", "rollback", key),
        ("nurse", "publish", key),
    ]
    assert actions(session)[0] == ("seed", "seed", None)


def test_export_then_import_round_trip_changes_nothing(session) -> None:
    text = repo.export_topics(session)
    report = repo.import_topics(session, text, "nurse")
    assert report.created == [] and report.changed == []
    assert len(report.unchanged) == len(get_content().entries)


def test_import_saves_drafts_and_is_all_or_nothing(session) -> None:
    data = yaml.safe_load(repo.export_topics(session))
    index = [t["key"] for t in data["topics"]].index("schedule")
    data["topics"][index]["answer"] = "Imported wording."
    data["topics"].append({"key": "bringing_someone", **new_topic_draft().as_dict()})
    report = repo.import_topics(session, yaml.safe_dump(data), "nurse")
    assert report.changed == ["schedule"] and report.created == ["bringing_someone"]
    assert repo.live_content(session).entries["schedule"].answer != "Imported wording."

    data["topics"][0]["answer"] = "Changed again."
    data["topics"][1]["answer"] = "<script>alert(1)</script>"
    before = len(repo.get_topic(session, "how_it_works").versions)
    with pytest.raises(ContentError, match=r"Topic 'who_is_it_for': .*HTML"):
        with session.begin_nested():
            repo.import_topics(session, yaml.safe_dump(data), "nurse")
    assert len(repo.get_topic(session, "how_it_works").versions) == before


def test_markup_written_straight_into_the_database_is_never_served(seeded_url) -> None:
    with session_scope(seeded_url) as session:
        version = repo.latest_version(repo.get_topic(session, "schedule"))
        version.answer = "<img src=x onerror=alert(1)>"
        repo.get_topic(session, "schedule").updated_at = repo.utc_now()
    content = repo.get_live_content(seeded_url)
    assert "schedule" not in content.entries and "how_it_works" in content.entries


def test_fresh_database_gives_the_same_training_files_as_the_seed(seeded_url, tmp_path) -> None:
    settings = dataclasses.replace(load_settings(), var_dir=tmp_path)
    from_seed = assemble_training_data(settings)
    from_db = assemble_training_data(settings, database_faq_topics(seeded_url))
    assert from_db.hash == from_seed.hash


def test_new_topic_adds_its_intent_examples_and_rule_to_the_training_files(
    seeded_url, tmp_path
) -> None:
    settings = dataclasses.replace(load_settings(), var_dir=tmp_path)
    before = assemble_training_data(settings, database_faq_topics(seeded_url))
    with session_scope(seeded_url) as session:
        repo.publish(session, repo.create_topic(session, new_topic_draft(), "nurse"), "nurse")
    after = assemble_training_data(settings, database_faq_topics(seeded_url))
    assert after.hash != before.hash
    domain = yaml.safe_load((after.folder / "domain" / "faq_topics.yml").read_text())
    assert domain["intents"][-1] == "faq_bringing_someone"
    # answered by the knowledge-base rule and inside both due-date forms
    rules = yaml.safe_load((after.folder / "data" / "rules" / "faq.yml").read_text())
    assert {"intent": "faq_bringing_someone"} in rules["rules"][0]["steps"][0]["or"]
    forms = yaml.safe_load((after.folder / "data" / "rules" / "due_dates.yml").read_text())
    in_form = [r for r in forms["rules"] if r["rule"].startswith("a treatment question")]
    assert len(in_form) == 2
    assert all({"intent": "faq_bringing_someone"} in r["steps"][0]["or"] for r in in_form)
    full = yaml.safe_load((after.folder / "domain" / "domain.yml").read_text())
    assert "faq_bringing_someone" in full["slots"]["patient_reference"]["mappings"][1]["not_intent"]
    nlu = yaml.safe_load((after.folder / "data" / "nlu" / "faq_topics.yml").read_text())
    examples = {i["intent"]: i["examples"] for i in nlu["nlu"]}
    assert examples["faq_bringing_someone"].splitlines()[0] == f"- {NEW_EXAMPLES[0]}"
    # the FAQ intents' examples are only in the generated file, not twice
    names = [i["intent"] for i in nlu["nlu"]]
    assert len(names) == len(set(names))


def test_changed_examples_change_the_model_hash_but_a_wording_does_not(
    seeded_url, tmp_path
) -> None:
    settings = dataclasses.replace(load_settings(), var_dir=tmp_path)
    first = assemble_training_data(settings, database_faq_topics(seeded_url)).hash
    with session_scope(seeded_url) as session:
        draft = draft_of(session, "schedule")
        draft.answer = "Reworded."
        repo.save_draft(session, "schedule", draft, "nurse")
        assert not repo.publish(session, "schedule", "nurse").examples_changed
    assert assemble_training_data(settings, database_faq_topics(seeded_url)).hash == first
    with session_scope(seeded_url) as session:
        draft = draft_of(session, "schedule")
        draft.examples.append("how often do I have to come back for more injections")
        repo.save_draft(session, "schedule", draft, "nurse")
        assert repo.publish(session, "schedule", "nurse").examples_changed
    assert assemble_training_data(settings, database_faq_topics(seeded_url)).hash != first


def test_versions_store_json_lists(session) -> None:
    version = repo.latest_version(repo.get_topic(session, "schedule"))
    assert isinstance(json.loads(version.examples_json), list)


def test_a_database_never_prepared_is_served_the_seed(tmp_path) -> None:
    from bot.db.migrations import upgrade_database

    never_migrated = f"sqlite:///{tmp_path / 'none.db'}"
    assert repo.get_live_content(never_migrated).entries == get_content().entries
    migrated_empty = f"sqlite:///{tmp_path / 'empty.db'}"
    upgrade_database(migrated_empty)
    assert repo.get_live_content(migrated_empty).entries == get_content().entries


def test_a_new_entry_cannot_take_an_existing_key(session) -> None:
    with pytest.raises(ContentError, match="already exists"):
        repo.create_topic(session, new_topic_draft(title="Schedule"), "nurse")
