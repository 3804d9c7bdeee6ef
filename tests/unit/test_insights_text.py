"""Redaction of not-understood messages, feedback buttons, privacy texts."""

from __future__ import annotations

from bot.channels.format import render
from bot.content.answers import BotMessage, Button
from bot.content.store import get_content
from bot.handoff.callbacks import InboxItem
from bot.insights.records import conversation_hash, feedback_topic, redact, with_feedback_buttons
from bot.privacy.erasure import privacy_text, what_you_know_text


def test_redaction_removes_identifiers() -> None:
    text = redact("my ref is BTX-1001, born 15/03/1984, call 020 7946 0123 or jo@example.org")
    assert text == "my ref is [reference], born [date], call [number] or [email]"


def test_redaction_keeps_ordinary_questions_and_short_numbers() -> None:
    assert redact("  can   I have 2 sessions in 12 weeks? ") == "can I have 2 sessions in 12 weeks?"


def test_conversation_hash_is_stable_and_not_the_id() -> None:
    assert conversation_hash("abc") == conversation_hash("abc")
    assert conversation_hash("abc") != conversation_hash("abd")
    assert "abc" not in conversation_hash("abc")


def test_feedback_topic_for_an_answer_and_for_tell_me_more() -> None:
    content = get_content()
    assert feedback_topic(content, "faq_schedule", None) == "schedule"
    assert feedback_topic(content, "own_experience", None) == "own_experience"
    # Entries have no longer text: "tell me more" offers related entries, not rated.
    assert feedback_topic(content, "ask_more", "how_it_works") is None
    assert feedback_topic(content, "no_reliable_info", None) is None
    assert feedback_topic(content, "affirm", None) is None
    assert feedback_topic(content, "report_red_flag", None) is None
    assert feedback_topic(content, "ask_personal_advice", None) is None


def test_feedback_buttons_go_on_the_answer_not_on_the_suggestion() -> None:
    messages = [
        BotMessage(text="the answer"),
        BotMessage(text="You might also want to know:", buttons=[Button("X", "/x")]),
    ]
    with_feedback_buttons(messages, "schedule")
    assert [b.payload for b in messages[0].buttons] == [
        "/feedback_helpful",
        "/feedback_not_helpful",
    ]
    assert [b.payload for b in messages[1].buttons] == ["/x"]


def test_no_topic_no_buttons() -> None:
    messages = [BotMessage(text="hello")]
    assert with_feedback_buttons(messages, None)[0].buttons == []


def test_privacy_says_what_how_long_and_who() -> None:
    text = privacy_text(days=30)
    assert "**30 days**" in text and "staff" in text and "forget me" in text


def test_what_you_know_lists_slots_and_the_callback_never_identity_details() -> None:
    callback = InboxItem(
        id=1, name="Jane", phone="020 7946 0123", best_time="mornings", reason="dose",
        created_at=None, done_at=None, done_by=None, transcript=[],
    )  # fmt: skip
    text = what_you_know_text(
        {"last_topic": "schedule", "patient_reference": "BTX-1001", "lookup_failures": 0.0},
        [callback],
        topic_titles={"schedule": "The 12-week schedule"},
        days=90,
    )
    assert "The 12-week schedule" in text
    assert "**Jane**" in text and "ending in 123" in text and "7946" not in text
    assert "BTX-1001" not in text
    assert "failed identity checks" not in text


def test_what_you_know_shows_the_patients_words_as_typed_never_as_markdown() -> None:
    typed = "**Bold** [click](https://x.example)"
    callback = InboxItem(
        id=1, name=typed, phone="020 7946 0123", best_time="_after_ 3pm", reason="[a](b)",
        created_at=None, done_at=None, done_by=None, transcript=[],
    )  # fmt: skip
    text = what_you_know_text({}, [callback], days=90)
    shown = render(text, "telegram")
    # The name is in bold (ours), and inside it the patient's stars and brackets as typed.
    assert f"<b>{typed}</b>" in shown
    assert "best time: _after_ 3pm, reason: [a](b)" in shown
    assert "<a " not in shown and "<i>" not in shown


def test_what_you_know_with_nothing_held() -> None:
    assert "holds nothing about you" in what_you_know_text({}, [], days=90)


def test_feedback_buttons_follow_the_answers_related_buttons() -> None:
    messages = [BotMessage(text="the answer", buttons=[Button("Related", "/faq_x")])]
    with_feedback_buttons(messages, "schedule")
    assert [b.payload for b in messages[0].buttons] == [
        "/faq_x",
        "/feedback_helpful",
        "/feedback_not_helpful",
    ]
