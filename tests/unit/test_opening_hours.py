"""Opening times: reading the schedule, open or closed, and when the clinic next opens."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.clinic import first_schedule, resolve
from bot.db.models import ClinicSettings
from bot.handoff.opening_hours import (
    ScheduleError,
    describe,
    is_open,
    next_opening,
    parse_schedule,
    say_when,
)
from bot.settings import Settings, load_settings

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = parse_schedule("Mon-Fri 09:00-17:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def test_a_range_of_days_with_one_span() -> None:
    assert set(WEEKDAYS.hours) == {0, 1, 2, 3, 4}
    assert WEEKDAYS.hours[0] == (time(9), time(17))


def test_several_parts_and_lists() -> None:
    schedule = parse_schedule("Mon,Wed 08:30-18:00; Sat 09:00-12:00")
    assert schedule.hours == {
        0: (time(8, 30), time(18)),
        2: (time(8, 30), time(18)),
        5: (time(9), time(12)),
    }


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Mon-Fri",
        "Funday 09:00-17:00",
        "Fri-Mon 09:00-17:00",
        "Mon 17:00-09:00",
        "Mon 25:00-26:00",
    ],
)
def test_unreadable_schedules_are_refused(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(text)


def test_described_in_words() -> None:
    assert describe(WEEKDAYS) == "Monday to Friday, 9am to 5pm"
    assert describe(parse_schedule("Mon-Thu 08:30-18:00; Fri 08:30-16:00")) == (
        "Monday to Thursday, 8:30am to 6pm; Friday, 8:30am to 4pm"
    )


@pytest.mark.parametrize(
    ("moment", "open_now"),
    [
        ("2026-11-24T09:00", True),  # a Tuesday, opening time
        ("2026-11-24T16:59", True),
        ("2026-11-24T17:00", False),  # closing time: closed
        ("2026-11-24T08:59", False),
        ("2026-11-28T11:00", False),  # Saturday
    ],
)
def test_open_or_closed(moment: str, open_now: bool) -> None:
    assert is_open(WEEKDAYS, at(moment)) is open_now


def test_after_closing_it_opens_tomorrow() -> None:
    now = at("2026-11-24T18:30")
    opening = next_opening(WEEKDAYS, now)
    assert opening == at("2026-11-25T09:00")
    assert say_when(opening, now) == "tomorrow (Wednesday 25 November) at 9am"


def test_at_the_weekend_it_opens_on_monday() -> None:
    now = at("2026-11-28T10:00")
    opening = next_opening(WEEKDAYS, now)
    assert say_when(opening, now) == "Monday 30 November at 9am"


def test_early_morning_it_opens_today() -> None:
    now = at("2026-11-24T07:00")
    assert say_when(next_opening(WEEKDAYS, now), now) == "today at 9am"


def test_environment_overrides_the_clinic_settings() -> None:
    row = ClinicSettings(opening_schedule="Mon-Fri 09:00-17:00", opening_hours="", phone="")
    clinic = resolve(_settings(clinic_opening_hours="Sat 10:00-12:00"), row)
    assert set(clinic.schedule.hours) == {5}


def test_an_unreadable_setting_falls_back_to_the_next_source() -> None:
    row = ClinicSettings(opening_schedule="Sat 10:00-12:00", opening_hours="", phone="")
    assert set(resolve(_settings(clinic_opening_hours="whenever"), row).schedule.hours) == {5}
    assert first_schedule("nonsense") == WEEKDAYS


def _settings(**changes: str) -> Settings:
    return dataclasses.replace(load_settings(), **changes)
