"""ClinicTrackerStore: "forget me" erases every stored event of the conversation (and its
clinic data), on SQLite and PostgreSQL; the retention purge deletes old conversations."""

from __future__ import annotations

import asyncio
import time

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from bot.db.session import dispose_engines
from bot.handoff import callbacks as handoff
from bot.insights import records as insights
from bot.privacy.retention import purge
from bot.rasa.tracker_store import ERASE_SLOT, ClinicTrackerStore
from bot.settings import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def store(db_url: str, monkeypatch: pytest.MonkeyPatch):
    # The clinic database and the tracker store share one database here; in production
    # they may be two (DATABASE_URL, TRACKER_STORE_URL): the store uses DATABASE_URL.
    monkeypatch.setenv("DATABASE_URL", db_url)
    dispose_engines()
    tracker_store = ClinicTrackerStore(domain=DOMAIN, host=db_url)
    yield tracker_store
    # Rasa made its "events" table; the migration tests compare the schema with the models.
    with tracker_store.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS events"))
    tracker_store.engine.dispose()
    dispose_engines()


def stored_events(store: ClinicTrackerStore, sender_id: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender_id}
        ).scalar()


def chat(store: ClinicTrackerStore, sender_id: str, *texts: str, at: float | None = None):
    tracker = asyncio.run(store.retrieve(sender_id)) or DialogueStateTracker(
        sender_id, DOMAIN.slots
    )
    for message in texts:
        tracker.update(UserUttered(message, timestamp=at))
        tracker.update(BotUttered("a reply", timestamp=at))
        tracker.update(ActionExecuted("action_listen", timestamp=at))
    asyncio.run(store.save(tracker))
    return tracker


def test_forget_me_erases_every_event_of_the_conversation(
    store: ClinicTrackerStore, make_session: sessionmaker
) -> None:
    chat(store, "patient-a", "hello", "how does it work")
    chat(store, "patient-a", "forget me")
    chat(store, "patient-b", "hello")
    with make_session() as s, s.begin():
        handoff.save_callback(
            s, conversation_id="patient-a", name="Jane", phone="020 7946 0123",
            best_time="any", reason="dose", transcript=[],
        )  # fmt: skip
        insights.record_feedback(s, "patient-a", "schedule", True)
        insights.record_feedback(s, "patient-b", "schedule", True)
    assert stored_events(store, "patient-a") > 0

    tracker = asyncio.run(store.retrieve("patient-a"))
    tracker.update(UserUttered("yes"))
    tracker.update(ActionExecuted("action_forget_me"))
    tracker.update(BotUttered("Done: this conversation has been erased"))
    tracker.update(SlotSet(ERASE_SLOT, True))
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))

    assert stored_events(store, "patient-a") == 0
    assert asyncio.run(store.retrieve_full_tracker("patient-a")) is None
    assert stored_events(store, "patient-b") == 3  # another conversation is untouched
    with make_session() as s:
        assert handoff.callbacks_for_conversation(s, "patient-a") == []
        assert [r.total for r in insights.helpfulness_by_topic(s)] == [1]


def test_a_declined_erasure_keeps_everything(store: ClinicTrackerStore) -> None:
    tracker = chat(store, "patient-c", "hello")
    tracker.update(SlotSet(ERASE_SLOT, False))
    asyncio.run(store.save(tracker))
    assert stored_events(store, "patient-c") == 4


def test_after_erasure_the_conversation_starts_afresh(store: ClinicTrackerStore) -> None:
    tracker = chat(store, "patient-d", "hello")
    tracker.update(SlotSet(ERASE_SLOT, True))
    asyncio.run(store.save(tracker))
    chat(store, "patient-d", "hello again")
    restored = asyncio.run(store.retrieve("patient-d"))
    assert [e.text for e in restored.events if isinstance(e, UserUttered)] == ["hello again"]


def test_purge_deletes_conversations_whose_last_event_is_old(store: ClinicTrackerStore) -> None:
    day = 24 * 3600
    now = time.time()
    chat(store, "old", "hello", at=now - 100 * day)
    chat(store, "ongoing", "hello", at=now - 100 * day)
    chat(store, "ongoing", "still here", at=now - 2 * day)
    result = purge(store.engine, store.engine, days=90)
    assert (result.conversations, result.events) == (1, 3)
    assert stored_events(store, "old") == 0
    assert stored_events(store, "ongoing") == 6
    assert purge(store.engine, store.engine, days=90).events == 0


def test_an_erase_marker_from_an_earlier_turn_erases_nothing_more(store: ClinicTrackerStore):
    """Only this turn's events (since the last user message) can ask for erasure."""
    tracker = DialogueStateTracker("earlier-turn", DOMAIN.slots)
    tracker.update(UserUttered("forget me"))
    tracker.update(SlotSet(ERASE_SLOT, True))
    tracker.update(UserUttered("hello again"))
    tracker.update(BotUttered("hi"))
    asyncio.run(store.save(tracker))
    assert stored_events(store, "earlier-turn") == 4


def test_sqlite_tracker_store_uses_the_write_ahead_log(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    tracker_store = ClinicTrackerStore(domain=DOMAIN, host=url)
    try:
        chat(tracker_store, "wal", "hello")
        with tracker_store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert stored_events(tracker_store, "wal") == 3
    finally:
        tracker_store.engine.dispose()
