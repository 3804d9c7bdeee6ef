"""The clinic page (``/admin/clinic``) over HTTP (in-process, SQLite and PostgreSQL): staff
set the phone number and opening times patients are given, checked with plain-words
messages, previewed as patients will read them, audited; a field the environment pins is
read-only. (Sign-in is required: tests/admin/test_admin_http.py lists it with the other
protected pages. The new number in patients' replies: tests/e2e/test_clinic_details.py.)"""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from bot.clinic import DEFAULT_PHONE, clinic_context
from bot.db.faq_models import AuditEntry
from bot.db.models import ClinicSettings
from bot.db.session import session_scope
from tests.admin.test_admin_http import sign_in

NEW_PHONE = "0113 496 0555"


@pytest.fixture(autouse=True)
def nothing_pinned(monkeypatch) -> None:
    for name in ("CLINIC_PHONE", "CLINIC_OPENING_HOURS", "CLINIC_TIMEZONE", "PHONE_REGION"):
        monkeypatch.delenv(name, raising=False)


def post(client, token: str, **fields: str):  # type: ignore[no-untyped-def]
    form = {
        "csrf_token": token,
        "phone": NEW_PHONE,
        "opening_schedule": "Mon-Fri 09:00-17:00",
        "opening_hours": "",
        "action": "save",
        **fields,
    }
    return client.post("/admin/clinic", data=form, follow_redirects=False)


def stored(url: str) -> ClinicSettings | None:
    with session_scope(url) as session:
        row = session.get(ClinicSettings, 1)
        if row is not None:
            session.expunge(row)
        return row


def audit_details(url: str) -> list[str]:
    with session_scope(url) as session:
        query = select(AuditEntry.detail).where(AuditEntry.action == "clinic_settings")
        return list(session.execute(query).scalars())


def test_the_clinic_page_is_in_the_staff_navigation(client) -> None:
    sign_in(client)
    assert '<a href="/admin/clinic">Clinic details</a>' in client.get("/admin").text


def test_the_page_shows_what_patients_are_given_now(client) -> None:
    sign_in(client)
    page = client.get("/admin/clinic").text
    assert "What patients see now" in page
    assert f"<strong>{DEFAULT_PHONE}</strong>" in page
    assert "The clinic is open Monday to Friday, 9am to 5pm." in page
    assert f"Not set yet: patients are given {DEFAULT_PHONE}." in page


def test_staff_set_the_phone_and_opening_times_and_patients_get_them(client, seeded_url) -> None:
    token = sign_in(client)
    response = post(
        client, token, phone="01134960555", opening_schedule="Mon-Thu 08:30-18:00; Fri 08:30-16:00"
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin/clinic"
    row = stored(seeded_url)
    assert (row.phone, row.opening_schedule) == (NEW_PHONE, "Mon-Thu 08:30-18:00; Fri 08:30-16:00")
    clinic = clinic_context(settings=client.app.state.settings)
    assert clinic.phone == NEW_PHONE
    assert clinic.hours_text == "Monday to Thursday, 8:30am to 6pm; Friday, 8:30am to 4pm"
    page = client.get("/admin/clinic").text
    assert "Saved. Patients are given the new details from their next message." in page
    assert f"<strong>{NEW_PHONE}</strong>" in page  # the number as formatted for patients
    assert f'value="{NEW_PHONE}"' in page


def test_each_change_is_audited_with_who_and_what(client, seeded_url) -> None:
    token = sign_in(client)
    post(client, token, opening_hours="weekdays, 9 to 5")
    post(client, token, opening_hours="weekdays, 9 to 5")  # the same again: nothing changed
    [detail] = audit_details(seeded_url)
    assert f"phone number: '' to '{NEW_PHONE}'" in detail
    assert "opening times in words: '' to 'weekdays, 9 to 5'" in detail
    assert "opening times:" not in detail.replace("opening times in words", "")
    page = client.get("/admin/audit").text
    assert "clinic settings" in page and "nurse.jones" in page


def test_the_words_staff_write_for_the_hours_are_what_patients_read(client, seeded_url) -> None:
    post(client, sign_in(client), opening_hours="weekdays from 9am to 5pm")
    assert "The clinic is open weekdays from 9am to 5pm." in client.get("/admin/clinic").text


def test_preview_shows_the_typed_details_without_saving_them(client, seeded_url) -> None:
    response = post(client, sign_in(client), action="preview", opening_schedule="Sat 10:00-12:00")
    assert response.status_code == 200
    assert "Preview (not saved yet)" in response.text
    assert f"<strong>{NEW_PHONE}</strong>" in response.text
    assert "The clinic is open Saturday, 10am to 12pm." in response.text
    assert stored(seeded_url) is None or stored(seeded_url).phone == ""
    assert audit_details(seeded_url) == []


@pytest.mark.parametrize(
    "typed",
    ["12345", "phone me", "07700 900123", "0" * 41],
)
def test_a_phone_number_patients_cannot_call_is_refused_and_explained(
    client, seeded_url, typed: str
) -> None:
    response = post(client, sign_in(client), phone=typed)
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert "Not saved." in text
    assert "not a phone number patients can call" in text or "too long" in text
    assert 'aria-invalid="true"' in response.text
    assert stored(seeded_url) is None or stored(seeded_url).phone == ""


def test_an_empty_phone_number_is_refused(client) -> None:
    response = post(client, sign_in(client), phone="  ")
    assert response.status_code == 400
    assert "Type the clinic&#39;s phone number" in response.text


@pytest.mark.parametrize(
    ("typed", "explained"),
    [
        ("Monday to Friday 9 to 5", "should look like &#39;Mon-Fri 09:00-17:00&#39;"),
        ("Mon-Fri 17:00-09:00", "closing time must be after opening time"),
        ("Mon-Fri 09:00-25:00", "is not a time of day"),
        ("Fri-Mon 09:00-17:00", "the range must run forwards"),
        ("", "Type the opening times"),
    ],
)
def test_opening_times_the_assistant_cannot_read_are_refused_with_what_is_wrong(
    client, seeded_url, typed: str, explained: str
) -> None:
    response = post(client, sign_in(client), opening_schedule=typed)
    assert response.status_code == 400
    assert explained in response.text
    assert f'value="{html.escape(typed)}"' in response.text  # kept for correcting
    assert stored(seeded_url) is None or stored(seeded_url).opening_schedule != typed


def test_markup_in_the_hours_in_words_is_refused(client) -> None:
    response = post(client, sign_in(client), opening_hours="<b>always</b>")
    assert response.status_code == 400 and "plain words" in response.text


def test_the_page_needs_the_csrf_token(client, seeded_url) -> None:
    sign_in(client)
    assert post(client, "forged").status_code == 403
    assert stored(seeded_url) is None or stored(seeded_url).phone == ""


@pytest.fixture
def pinned_environment(monkeypatch) -> None:
    monkeypatch.setenv("CLINIC_PHONE", "0113 496 0999")
    monkeypatch.setenv("CLINIC_OPENING_HOURS", "Mon-Thu 08:00-16:00")


@pytest.fixture
def pinned_client(pinned_environment, client):  # type: ignore[no-untyped-def]
    """The website with the phone number and opening times fixed by the environment (set
    before the website reads its settings)."""
    return client


def test_fields_the_environment_pins_are_read_only_and_say_so(pinned_client) -> None:
    sign_in(pinned_client)
    page = pinned_client.get("/admin/clinic").text
    assert 'id="phone" type="text" value="0113 496 0999" readonly' in page
    assert 'id="opening_schedule" type="text" value="Mon-Thu 08:00-16:00" readonly' in page
    assert "<code>CLINIC_PHONE</code>" in page and "<code>CLINIC_OPENING_HOURS</code>" in page
    assert 'name="phone"' not in page and 'name="opening_schedule"' not in page
    assert "The clinic is open Monday to Thursday, 8am to 4pm." in page


def test_a_pinned_field_is_not_saved_even_if_sent(pinned_client, seeded_url) -> None:
    token = sign_in(pinned_client)
    response = post(pinned_client, token, opening_schedule="Sat 10:00-12:00", opening_hours="x")
    assert response.status_code == 303
    row = stored(seeded_url)
    assert row is None or (row.phone, row.opening_hours) == ("", "")
    assert row is None or row.opening_schedule == "Mon-Fri 09:00-17:00"
    assert "Nothing changed." in pinned_client.get("/admin/clinic").text
