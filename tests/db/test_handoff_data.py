"""The data side of the call-back inbox, the insights page, erasure and the retention
purge, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.db.models import AnswerFeedback, CallbackRequest, UnansweredQuestion
from bot.handoff import callbacks as handoff
from bot.insights import records as insights
from bot.privacy.erasure import erase_conversation_data
from bot.privacy.retention import purge

NOW = datetime(2026, 11, 24, 12, 0)
TRANSCRIPT = [{"from": "patient", "text": "can a nurse call me"}, {"from": "bot", "text": "Yes"}]


def add_callback(session, conversation_id: str, name: str, when: datetime) -> int:
    request = handoff.save_callback(
        session,
        conversation_id=conversation_id,
        name=name,
        phone="020 7946 0123",
        best_time="mornings",
        reason="my dose",
        transcript=TRANSCRIPT,
        now=when,
    )
    return request.id


def test_inbox_is_newest_first_with_the_transcript(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        add_callback(s, "c1", "Older", NOW - timedelta(hours=2))
        add_callback(s, "c2", "Newer", NOW)
    with make_session() as s:
        inbox = handoff.callback_inbox(s)
    assert [item.name for item in inbox] == ["Newer", "Older"]
    assert inbox[0].transcript == TRANSCRIPT
    assert not inbox[0].done


def test_marking_done_keeps_it_in_the_inbox_but_not_among_the_open_ones(
    make_session: sessionmaker,
) -> None:
    with make_session() as s, s.begin():
        first = add_callback(s, "c1", "Jane", NOW)
        add_callback(s, "c2", "John", NOW - timedelta(minutes=5))
    with make_session() as s, s.begin():
        assert handoff.mark_done(s, first, by="nurse.kay", now=NOW + timedelta(hours=1))
        assert handoff.mark_done(s, first, by="someone.else")  # idempotent
        assert not handoff.mark_done(s, 999_999)
    with make_session() as s:
        done = handoff.get_callback(s, first)
        assert done is not None and done.done and done.done_by == "nurse.kay"
        assert done.done_at == NOW + timedelta(hours=1)
        assert [i.name for i in handoff.callback_inbox(s, include_done=False)] == ["John"]
        assert len(handoff.callback_inbox(s)) == 2


def test_helpfulness_per_topic_least_helpful_first(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        for helpful in (True, True, False):
            insights.record_feedback(s, "c1", "schedule", helpful, now=NOW)
        for helpful in (False, False, True):
            insights.record_feedback(s, "c2", "side_effects", helpful, now=NOW)
        insights.record_feedback(s, "c3", "schedule", False, now=NOW - timedelta(days=40))
    with make_session() as s:
        rows = insights.helpfulness_by_topic(s)
        recent = insights.helpfulness_by_topic(s, since=NOW - timedelta(days=30))
    assert [(r.topic, r.helpful, r.not_helpful) for r in rows] == [
        ("side_effects", 1, 2),
        ("schedule", 2, 2),
    ]
    assert [(r.topic, r.helpful, r.not_helpful) for r in recent][1] == ("schedule", 2, 1)
    assert round(recent[0].helpful_share, 2) == 0.33


def test_unanswered_questions_grouped_most_frequent_first(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        for text in ("Is it vegan?", "is it vegan?", "can my dog have it", "/payload"):
            insights.record_unanswered(s, "c1", text, now=NOW)
        insights.record_unanswered(s, "c2", "call me on 020 7946 0123", now=NOW)
    with make_session() as s:
        groups = insights.unanswered_questions(s)
        stored = s.execute(select(UnansweredQuestion.text)).scalars().all()
    assert (groups[0].text, groups[0].count) == ("is it vegan?", 2)
    assert {g.text for g in groups} == {"is it vegan?", "can my dog have it", "call me on [number]"}
    assert not any("7946" in text for text in stored)


def test_erasing_a_conversation_deletes_only_its_rows(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        add_callback(s, "forget-me", "Jane", NOW)
        add_callback(s, "keep-me", "John", NOW)
        insights.record_feedback(s, "forget-me", "schedule", True)
        insights.record_unanswered(s, "forget-me", "blah blah")
        insights.record_feedback(s, "keep-me", "schedule", False)
    with make_session() as s, s.begin():
        counts = erase_conversation_data(s, "forget-me")
    assert counts == {"callback_requests": 1, "feedback_and_questions": 2}
    with make_session() as s:
        assert [i.name for i in handoff.callback_inbox(s)] == ["John"]
        assert s.execute(select(func.count()).select_from(AnswerFeedback)).scalar() == 1
        assert s.execute(select(func.count()).select_from(UnansweredQuestion)).scalar() == 0


def test_purge_deletes_what_is_older_than_the_retention_period(
    make_session: sessionmaker, engine
) -> None:
    with make_session() as s, s.begin():
        add_callback(s, "old", "Old", NOW - timedelta(days=91))
        add_callback(s, "new", "New", NOW - timedelta(days=89))
        insights.record_feedback(s, "old", "schedule", True, now=NOW - timedelta(days=100))
        insights.record_feedback(s, "new", "schedule", True, now=NOW - timedelta(days=1))
        insights.record_unanswered(s, "old", "blah", now=NOW - timedelta(days=95))
    # No tracker "events" table in this database: only the clinic data is purged.
    result = purge(engine, engine, days=90, now=NOW)
    assert (result.callback_requests, result.feedback, result.unanswered_questions) == (1, 1, 1)
    assert (result.conversations, result.events) == (0, 0)
    with make_session() as s:
        assert [i.name for i in handoff.callback_inbox(s)] == ["New"]
        assert s.execute(select(func.count()).select_from(CallbackRequest)).scalar() == 1
    again = purge(engine, engine, days=90, now=NOW)
    assert again == type(result)(0, 0, 0, 0, 0)


def test_one_message_stores_one_call_back_request_even_when_processed_twice(
    make_session: sessionmaker,
) -> None:
    def submit(conversation_id: str, message_id: str | None) -> int:
        with make_session() as s, s.begin():
            return handoff.save_callback(
                s,
                conversation_id=conversation_id,
                name="Jane",
                phone="020 7946 0123",
                best_time="mornings",
                reason="my dose",
                transcript=TRANSCRIPT,
                now=NOW,
                message_id=message_id,
            ).id

    first = submit("c1", "request:abc")
    assert submit("c1", "request:abc") == first  # the same message processed again
    assert submit("c2", "request:abc") != first  # another conversation's message
    assert submit("c1", "request:def") != first  # a new request in the same conversation
    submit("c1", None)
    submit("c1", None)  # messages without an id are never merged
    with make_session() as s:
        rows = s.execute(select(CallbackRequest.conversation_id)).scalars().all()
    assert sorted(rows) == ["c1", "c1", "c1", "c1", "c2"]
