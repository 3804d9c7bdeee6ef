"""The clinic context: environment, then the clinic settings row, then the default."""

from __future__ import annotations

import dataclasses
from datetime import date

from bot.clinic import (
    DEFAULT_PHONE,
    ClinicDetails,
    check_details,
    check_phone,
    locked_fields,
    resolve,
)
from bot.db.models import ClinicSettings
from bot.settings import load_settings


def _row(**values: object) -> ClinicSettings:
    base = {
        "interval_weeks": 12,
        "timezone": "Europe/London",
        "phone": "",
        "opening_hours": "",
        "opening_schedule": "Mon-Fri 09:00-17:00",
    }
    return ClinicSettings(id=1, **{**base, **values})


def _settings(**changes: object):  # type: ignore[no-untyped-def]
    clean = dataclasses.replace(
        load_settings(), clinic_phone=None, clinic_timezone=None, clinic_opening_hours=None
    )
    return dataclasses.replace(clean, **changes)


def test_the_phone_staff_set_is_used_when_the_environment_sets_none() -> None:
    assert resolve(_settings(), _row(phone="01632 960123")).phone == "01632 960123"


def test_the_environment_pins_the_phone_over_the_clinic_settings() -> None:
    clinic = resolve(_settings(clinic_phone="01632 960999"), _row(phone="01632 960123"))
    assert clinic.phone == "01632 960999"
    assert "phone" in clinic.pinned


def test_without_environment_or_row_the_default_phone_is_used() -> None:
    assert resolve(_settings(), None).phone == DEFAULT_PHONE


def test_the_interval_is_the_clinic_setting_and_never_under_12_weeks() -> None:
    assert resolve(_settings(), _row(interval_weeks=16)).interval_weeks == 16
    assert resolve(_settings(), None).interval_weeks == 12


def test_today_follows_the_clinic_time_zone_setting() -> None:
    clinic = resolve(_settings(fixed_now="2026-11-30T23:30:00+00:00"), _row(timezone="Asia/Tokyo"))
    assert clinic.today() == date(2026, 12, 1)


def test_staff_words_for_the_opening_hours_are_kept_unless_the_environment_pins_them() -> None:
    row = _row(opening_hours="weekdays, 9 till 5")
    assert resolve(_settings(), row).hours_text == "weekdays, 9 till 5"
    pinned = resolve(_settings(clinic_opening_hours="Sat 10:00-12:00"), row)
    assert pinned.hours_text != "weekdays, 9 till 5"


# --- the clinic page's checks -------------------------------------------------------------

CURRENT = ClinicDetails(phone="", opening_schedule="Mon-Fri 09:00-17:00", opening_hours="")


def test_the_clinic_number_is_stored_as_patients_should_read_it() -> None:
    details, errors = check_details(
        {"phone": " 0113  4960555 ", "opening_schedule": "Mon-Fri 09:00-17:00"},
        CURRENT,
        frozenset(),
        "GB",
    )
    assert errors == {}
    assert details.phone == "0113 496 0555"


def test_a_number_from_another_country_keeps_its_country_code() -> None:
    assert check_phone("+1 202 555 0143", "GB") == ("+1 202-555-0143", None)


def test_a_locked_field_keeps_its_value_whatever_the_form_says() -> None:
    details, errors = check_details(
        {"phone": "nonsense", "opening_schedule": "Sat 10:00-12:00"},
        CURRENT,
        frozenset({"phone"}),
        "GB",
    )
    assert errors == {}
    assert (details.phone, details.opening_schedule) == ("", "Sat 10:00-12:00")


def test_a_pinned_schedule_locks_its_words_too() -> None:
    clinic = resolve(_settings(clinic_opening_hours="Mon 09:00-12:00"), _row())
    assert locked_fields(clinic) == {"opening_schedule", "opening_hours"}


def test_every_problem_is_reported_by_its_field() -> None:
    _, errors = check_details(
        {"phone": "12345", "opening_schedule": "weekdays", "opening_hours": "x" * 121},
        CURRENT,
        frozenset(),
        "GB",
    )
    assert set(errors) == {"phone", "opening_schedule", "opening_hours"}
