"""Demo data: three patients that show the three answers, added only to an empty database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.clinic import clinic_context
from bot.db.models import ClinicSettings, Patient, load_clinic_settings
from bot.db.seed import prepare_database, seed_demo_data
from bot.due_dates.identity import LookupStatus, verify_and_get_due

TODAY = date(2026, 11, 24)


def due_for(make_session: sessionmaker, reference: str, born: date, today: date = TODAY):
    with make_session() as s, s.begin():
        return verify_and_get_due(s, reference, born, today, 0)


def test_demo_patients_show_due_none_and_overdue(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        assert seed_demo_data(s) is True
    due = due_for(make_session, "BTX-1001", date(1984, 3, 15)).due
    assert due is not None and due.due_date == date(2026, 12, 29) and not due.overdue
    none = due_for(make_session, "BTX-1002", date(1969, 7, 30))
    assert none.status is LookupStatus.VERIFIED and none.due is None
    overdue = due_for(make_session, "BTX-1003", date(1991, 12, 2)).due
    assert overdue is not None and overdue.overdue


def test_demo_data_is_only_added_to_an_empty_database(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        s.add(Patient(reference="BTX-7000", date_of_birth=date(1970, 1, 1)))
    with make_session() as s, s.begin():
        assert seed_demo_data(s) is False
    with make_session() as s:
        assert s.execute(select(func.count(Patient.id))).scalar_one() == 1


def test_seeding_twice_adds_the_patients_once(make_session: sessionmaker) -> None:
    for expected in (True, False):
        with make_session() as s, s.begin():
            assert seed_demo_data(s) is expected
    with make_session() as s:
        assert s.execute(select(func.count(Patient.id))).scalar_one() == 3


def test_default_clinic_settings_are_added(
    make_session: sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLINIC_PHONE", "01632 960000")
    with make_session() as s, s.begin():
        seed_demo_data(s)
    with make_session() as s:
        settings = s.get(ClinicSettings, 1)
        assert settings is not None
        assert (settings.interval_weeks, settings.timezone) == (12, "Europe/London")
        # The row leaves the phone for staff to set; the environment's number is used
        # meanwhile (bot.clinic: environment, then the row, then the default).
        assert settings.phone == ""
        assert clinic_context(s).phone == "01632 960000"
        assert settings.opening_hours


def test_clinic_settings_read_as_defaults_when_missing(make_session: sessionmaker) -> None:
    with make_session() as s:
        settings = load_clinic_settings(s)
        assert (settings.interval_weeks, settings.timezone) == (12, "Europe/London")


def test_demo_sessions_can_be_placed_relative_to_another_day(make_session) -> None:
    other_day = date(2027, 3, 2)
    with make_session() as s, s.begin():
        seed_demo_data(s, today=other_day)
    due = due_for(make_session, "BTX-1001", date(1984, 3, 15), today=other_day).due
    assert due is not None and due.days_away == 35


def test_prepare_database_migrates_and_seeds(fresh_db_url: str) -> None:
    assert prepare_database(fresh_db_url) is True
    assert prepare_database(fresh_db_url) is False
    assert prepare_database(fresh_db_url, demo=False) is False
