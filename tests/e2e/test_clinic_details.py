"""The clinic's phone number and opening times changed in the clinic database reach every
place patients read them, from the next message, with no restart (issue 12): a FAQ answer,
a due-date reply, the handoff offer and the demo page. Over REST and HTTP against a stack
of its own (action server, Rasa server and website), started with nothing pinned by the
environment, so the settings row decides (README, "Configuration")."""

from __future__ import annotations

import urllib.request

import pytest

from bot.clinic import DEFAULT_PHONE
from bot.db.models import load_clinic_settings
from bot.db.session import session_scope
from tests.conftest import TEST_TODAY, isolated_settings
from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e

NEW_PHONE = "0113 496 0555"  # Ofcom's drama range for Leeds: a real-looking demo number
NEW_SCHEDULE = "Mon-Thu 08:30-18:00; Fri 08:30-16:00"
NEW_HOURS = "Monday to Thursday, 8:30am to 6pm; Friday, 8:30am to 4pm"


@pytest.fixture(scope="module")
def clinic_stack(tmp_path_factory: pytest.TempPathFactory, trained_model):
    from bot.db.seed import prepare_database
    from bot.db.session import dispose_engines
    from bot.ops.runner import Stack

    settings = isolated_settings(tmp_path_factory, "clinicvar")
    prepare_database(settings.database_url)
    dispose_engines()
    unpinned = {"CLINIC_PHONE": "", "CLINIC_OPENING_HOURS": "", "CLINIC_TIMEZONE": ""}
    with Stack(
        settings=settings,
        model=trained_model,
        extra_env={"BOT_FIXED_TODAY": TEST_TODAY, **unpinned},
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def changed(clinic_stack):
    """The stack after the clinic's number and opening times were changed in its database
    (as the clinic page, /admin/clinic, stores them), while it runs."""
    patient = Chat(clinic_stack.rasa_url)
    assert DEFAULT_PHONE in patient.say("Can I talk to a nurse?")  # before: the default
    with session_scope(clinic_stack.settings.database_url) as session:
        row = load_clinic_settings(session)
        row.phone, row.opening_schedule, row.opening_hours = NEW_PHONE, NEW_SCHEDULE, ""
        session.add(row)
    return clinic_stack


def assert_new_number(reply: str) -> None:
    assert NEW_PHONE in reply
    assert DEFAULT_PHONE not in reply


def test_a_faq_answer_gives_the_new_number(changed) -> None:
    chat = Chat(changed.rasa_url)
    reply = chat.say("how often do i have to come back for injections")
    assert "every 12 weeks" in reply  # the schedule entry's answer has {clinic_phone}
    assert_new_number(reply)


def test_a_due_date_reply_gives_the_new_number(changed) -> None:
    chat = Chat(changed.rasa_url)
    assert "two ways" in chat.say("when is my next botox injection due?")
    assert "clinic reference" in chat.say("/choose_record_lookup")
    assert "date of birth" in chat.say("BTX-1003")
    reply = chat.say("2 December 1991")  # the demo patient who is overdue
    assert "overdue" in reply
    assert_new_number(reply)


def test_the_handoff_offer_gives_the_new_number_and_hours(changed) -> None:
    reply = Chat(changed.rasa_url).say("Can I talk to a nurse?")
    assert_new_number(reply)
    assert NEW_HOURS in reply


def test_the_demo_page_shows_the_new_number_and_hours(changed) -> None:
    with urllib.request.urlopen(f"{changed.web_url}/", timeout=30) as response:
        page = response.read().decode()
    assert f"<strong>{NEW_PHONE}</strong> ({NEW_HOURS})" in page
    assert f'data-phone="{NEW_PHONE}"' in page  # the widget's own copy of the number
    assert DEFAULT_PHONE not in page
