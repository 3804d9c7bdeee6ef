"""The stack on PostgreSQL (tracker store and clinic database), with the clinic closed:
"forget me" leaves no event in a PostgreSQL tracker store, and a call-back requested at
the weekend says when the clinic will call.

Needs the PostgreSQL test server (tests/fixtures/databases.py): skipped without it, except under
CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import TEST_TODAY, isolated_settings
from tests.e2e.chat import Chat
from tests.e2e.test_handoff_privacy import callbacks, request_callback, stored_events
from tests.fixtures.databases import PostgresServer

pytestmark = pytest.mark.e2e

SATURDAY_MORNING = "2026-11-28T10:00"


@pytest.fixture(scope="module")
def pg_stack(
    tmp_path_factory: pytest.TempPathFactory, trained_model, postgres_server: PostgresServer
):
    from bot.db.seed import prepare_database
    from bot.db.session import dispose_engines
    from bot.ops.runner import Stack

    clinic_url, tracker_url = postgres_server.create_database(), postgres_server.create_database()
    try:
        prepare_database(clinic_url)
        settings = dataclasses.replace(
            isolated_settings(tmp_path_factory, "pgvar"),
            database_url=clinic_url,
            tracker_store_url=tracker_url,
        )
        extra = {"BOT_FIXED_TODAY": TEST_TODAY, "BOT_FIXED_NOW": SATURDAY_MORNING}
        with Stack(settings=settings, model=trained_model, extra_env=extra, web=False) as stack:
            yield stack
    finally:
        dispose_engines()
        postgres_server.drop_database(clinic_url)
        postgres_server.drop_database(tracker_url)


def test_forget_me_leaves_no_event_in_a_postgresql_tracker_store(pg_stack) -> None:
    chat = Chat(pg_stack.rasa_url)
    chat.say("how does botox work")
    request_callback(chat)
    assert stored_events(pg_stack.settings.tracker_store_url, chat.sender) > 0
    assert len(callbacks(pg_stack.settings.database_url, chat.sender)) == 1
    chat.say("forget me")
    assert "has been erased" in chat.say("yes")
    assert stored_events(pg_stack.settings.tracker_store_url, chat.sender) == 0
    assert callbacks(pg_stack.settings.database_url, chat.sender) == []


def test_outside_opening_hours_the_bot_says_when_the_clinic_will_call(pg_stack) -> None:
    chat = Chat(pg_stack.rasa_url)
    reply = request_callback(chat)
    assert "The clinic is closed now" in reply
    assert "**Monday 30 November at 9am**" in reply
