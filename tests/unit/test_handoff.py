"""The call-back form's checks, the transcript and what the patient is told."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.channels.format import render
from bot.handoff.callbacks import (
    REMOVED,
    Contact,
    callback_timing,
    clean_best_time,
    clean_name,
    clean_phone,
    clean_reason,
    confirmation_text,
    masked_phone,
    offer_text,
    transcript_from_events,
)
from bot.handoff.opening_hours import parse_schedule

LONDON = ZoneInfo("Europe/London")


def contact_at(moment: str) -> Contact:
    return Contact(
        phone="020 7946 0000",
        hours_text="Monday to Friday, 9am to 5pm",
        schedule=parse_schedule("Mon-Fri 09:00-17:00"),
        now=datetime.fromisoformat(moment).replace(tzinfo=LONDON),
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("020 7946 0123", "020 7946 0123"),
        ("+44 121 496 0123", "0121 496 0123"),
        ("0044 20 7946 0000", "020 7946 0000"),
        ("(020) 7946-0000", "020 7946 0000"),
        ("+33 1 42 68 53 00", "+33 1 42 68 53 00"),
    ],
)
def test_real_phone_numbers_are_accepted_and_formatted(typed: str, stored: str) -> None:
    assert clean_phone(typed, "GB") == stored


@pytest.mark.parametrize(
    "typed",
    # 07700 900xxx is Ofcom's range for drama: not a number anyone can be called on.
    [
        "12345",
        "call me",
        "",
        "0770090012345678",
        "+44 20 7946 00",
        "07700 900123",
        None,
        2079460123,
    ],
)
def test_what_is_not_a_phone_number_is_refused(typed: object) -> None:
    assert clean_phone(typed, "GB") is None


def test_the_region_decides_how_a_local_number_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHONE_REGION", "US")
    assert clean_phone("(202) 555-0143") == "(202) 555-0143"


@pytest.mark.parametrize(
    ("typed", "name"), [("  Jane   Doe ", "Jane Doe"), ("Siân O'Neil.", "Siân O'Neil")]
)
def test_names(typed: str, name: str) -> None:
    assert clean_name(typed) == name


@pytest.mark.parametrize("typed", ["", "   ", "02079460123", "x" * 101, "R2D2", None])
def test_not_names(typed: object) -> None:
    assert clean_name(typed) is None


def test_time_and_reason_limits() -> None:
    assert clean_best_time(" weekday   mornings ") == "weekday mornings"
    assert clean_best_time("x" * 101) is None
    assert clean_reason("my next appointment") == "my next appointment"
    assert clean_reason("x" * 301) is None
    assert clean_reason("") is None


def test_masked_phone_shows_only_the_last_digits() -> None:
    assert masked_phone("020 7946 0123") == "ending in 123"


def test_the_transcript_removes_identity_check_answers() -> None:
    events = [
        {"event": "user", "text": "when is my next injection"},
        {"event": "bot", "text": "What is your clinic reference?"},
        {"event": "slot", "name": "requested_slot", "value": "patient_reference"},
        {"event": "user", "text": "btx-1001"},
        {"event": "slot", "name": "requested_slot", "value": "date_of_birth"},
        {"event": "user", "text": "15/03/1984"},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "active_loop", "name": None},
        {"event": "user", "text": "/request_human"},
        {"event": "user", "text": "my reference is BTX 1001, can a nurse call"},
        {"event": "bot", "text": "You can talk to the clinic team"},
    ]
    transcript = transcript_from_events(events)
    texts = [line["text"] for line in transcript]
    assert texts == [
        "when is my next injection",
        "What is your clinic reference?",
        REMOVED,
        REMOVED,
        "my reference is [reference removed], can a nurse call",
        "You can talk to the clinic team",
    ]
    assert [line["from"] for line in transcript][:2] == ["patient", "bot"]
    assert "1984" not in str(transcript)


def test_the_transcript_keeps_the_last_messages() -> None:
    events = [{"event": "user", "text": f"message {i}"} for i in range(100)]
    transcript = transcript_from_events(events, limit=40)
    assert len(transcript) == 40
    assert transcript[-1]["text"] == "message 99"


def test_open_now_means_they_call_as_soon_as_they_can() -> None:
    text = callback_timing(contact_at("2026-11-24T10:00"))
    assert "open now (until 5pm today)" in text


def test_outside_opening_hours_the_patient_is_told_when_they_will_call() -> None:
    assert "**Monday 30 November at 9am**" in callback_timing(contact_at("2026-11-28T10:00"))
    assert "**tomorrow (Wednesday 25 November) at 9am**" in callback_timing(
        contact_at("2026-11-24T19:00")
    )


def test_the_offer_gives_the_number_and_the_hours() -> None:
    contact = contact_at("2026-11-24T10:00")
    text = offer_text(contact)
    assert "**020 7946 0000**" in text and "Monday to Friday, 9am to 5pm" in text
    assert "call you back" in text
    assert "trouble understanding" in offer_text(contact, reason="misunderstood")


def test_the_confirmation_repeats_the_name_and_time_as_typed_never_as_markdown() -> None:
    name = clean_name("**Bold** [click](https://x.example)")
    assert name == "**Bold** [click](https://x.example)"  # a name the form accepts
    text = confirmation_text(name, "020 7946 0123", "*after* 3pm", contact_at("2026-11-24T10:00"))
    assert render(text, "plain").startswith(
        "Thank you, **Bold** [click](https://x.example). I've asked the clinic team to call "
        "you on 020 7946 0123 (best time: *after* 3pm)."
    )
    shown = render(text, "telegram")
    assert "<b>020 7946 0123</b>" in shown  # our own bold stays bold
    assert "<a " not in shown and "<b>Bold</b>" not in shown and "<i>" not in shown
