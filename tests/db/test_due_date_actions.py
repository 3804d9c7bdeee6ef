"""The due-date actions called as the action server calls them, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.due_dates import ActionLookupDueDate, ActionStartDueDate, ValidateLastSessionForm
from bot.db.seed import prepare_database


@pytest.fixture
def demo_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    prepare_database(db_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOT_FIXED_TODAY", "2026-11-24")
    monkeypatch.setenv("CLINIC_PHONE", "020 7946 0000")
    return db_url


def tracker(text: str = "", **slots) -> Tracker:
    return Tracker(
        sender_id="test",
        slots={"lookup_failures": 0.0, **slots},
        latest_message={"text": text, "intent": {"name": "inform"}, "entities": []},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )


def run(action, t: Tracker) -> tuple[list[str], list]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return [m.get("text") or m.get("response") for m in dispatcher.messages], events


def test_lookup_answers_and_clears_identity_slots(demo_db: str) -> None:
    texts, events = run(
        ActionLookupDueDate(),
        tracker(patient_reference="BTX-1001", date_of_birth="1984-03-15"),
    )
    assert "**Tuesday 29 December 2026**, in 5 weeks" in texts[0]
    assert SlotSet("date_of_birth", None) in events
    assert SlotSet("patient_reference", None) in events


def test_wrong_birth_date_counts_a_failure_and_discloses_nothing(demo_db: str) -> None:
    texts, events = run(
        ActionLookupDueDate(),
        tracker(patient_reference="BTX-1001", date_of_birth="1984-03-16"),
    )
    assert "couldn't match" in texts[0] and "2026" not in texts[0]
    assert SlotSet("lookup_failures", 1.0) in events


def test_third_failure_locks(demo_db: str) -> None:
    texts, events = run(
        ActionLookupDueDate(),
        tracker(patient_reference="BTX-1001", date_of_birth="1984-03-16", lookup_failures=2.0),
    )
    assert "can't look up clinic records in this conversation" in texts[0]
    assert SlotSet("lookup_failures", 3.0) in events


def test_database_down_gets_a_friendly_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    monkeypatch.setenv("BOT_FIXED_TODAY", "2026-11-24")
    texts, events = run(
        ActionLookupDueDate(),
        tracker(patient_reference="BTX-1001", date_of_birth="1984-03-15"),
    )
    assert "can't reach the clinic records right now" in texts[0]
    assert SlotSet("date_of_birth", None) in events


def test_start_with_a_date_in_the_question_answers_at_once(demo_db: str) -> None:
    texts, _ = run(ActionStartDueDate(), tracker("my last one was 6 October, when's the next?"))
    assert "Tuesday 29 December 2026" in texts[0]


def test_start_without_a_date_asks_how(demo_db: str) -> None:
    texts, _ = run(ActionStartDueDate(), tracker("when is my next injection due?"))
    assert texts == ["utter_due_date_how"]


def test_impossible_last_session_date_is_rejected(demo_db: str) -> None:
    dispatcher = CollectingDispatcher()
    result = ValidateLastSessionForm().validate_last_session_date(
        "31/02/2026", dispatcher, tracker(), {}
    )
    assert result == {"last_session_date": None}
    assert "doesn't exist" in dispatcher.messages[0]["text"]
