"""The schema comes from the migrations, matches the models and enforces its rules."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.db.migrations import current_revision, downgrade_database, head_revision, upgrade_database
from bot.db.models import Base, ClinicSettings, Patient, SessionStatus, TreatmentSession
from bot.db.session import create_db_engine

TABLES = {"patients", "treatment_sessions", "clinic_settings", "lookup_failures"}


def test_upgrade_creates_every_table_on_an_empty_database(fresh_db_url: str) -> None:
    assert current_revision(fresh_db_url) is None
    upgrade_database(fresh_db_url)
    assert current_revision(fresh_db_url) == head_revision()
    engine = create_db_engine(fresh_db_url)
    try:
        assert TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(fresh_db_url: str) -> None:
    upgrade_database(fresh_db_url)
    upgrade_database(fresh_db_url)
    assert current_revision(fresh_db_url) == head_revision()


def test_downgrade_to_base_removes_the_tables(fresh_db_url: str) -> None:
    upgrade_database(fresh_db_url)
    downgrade_database(fresh_db_url, "base")
    engine = create_db_engine(fresh_db_url)
    try:
        assert not TABLES & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    upgrade_database(fresh_db_url)
    assert current_revision(fresh_db_url) == head_revision()


def test_migrations_match_the_models(engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_reference_must_be_stored_upper_case(make_session: sessionmaker) -> None:
    with pytest.raises(IntegrityError), make_session() as s, s.begin():
        s.add(Patient(reference="btx-1001", date_of_birth=date(1984, 3, 15)))


def test_references_are_unique(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        s.add(Patient(reference="BTX-1001", date_of_birth=date(1984, 3, 15)))
    with pytest.raises(IntegrityError), make_session() as s, s.begin():
        s.add(Patient(reference="BTX-1001", date_of_birth=date(1990, 1, 1)))


def test_one_session_per_patient_per_day(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        patient = Patient(reference="BTX-1001", date_of_birth=date(1984, 3, 15))
        patient.sessions.append(TreatmentSession(session_date=date(2026, 10, 6)))
        s.add(patient)
    with pytest.raises(IntegrityError), make_session() as s, s.begin():
        s.add(TreatmentSession(patient_id=patient.id, session_date=date(2026, 10, 6)))


def test_a_session_needs_an_existing_patient(make_session: sessionmaker) -> None:
    with pytest.raises(IntegrityError), make_session() as s, s.begin():
        s.add(TreatmentSession(patient_id=999, session_date=date(2026, 10, 6)))


def test_deleting_a_patient_deletes_their_sessions(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        patient = Patient(reference="BTX-1001", date_of_birth=date(1984, 3, 15))
        patient.sessions.append(TreatmentSession(session_date=date(2026, 10, 6)))
        s.add(patient)
    with make_session() as s, s.begin():  # a plain SQL delete: the foreign key cascades
        s.execute(text("DELETE FROM patients"))
    with make_session() as s:
        assert s.execute(select(TreatmentSession)).scalars().all() == []


def test_session_status_and_units_are_checked(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        patient = Patient(reference="BTX-1001", date_of_birth=date(1984, 3, 15))
        s.add(patient)
    with make_session() as s, s.begin():
        s.add(
            TreatmentSession(
                patient_id=patient.id,
                session_date=date(2026, 10, 6),
                status=SessionStatus.SCHEDULED,
                units=155,
            )
        )
    with make_session() as s:
        stored = s.execute(select(TreatmentSession)).scalar_one()
        assert stored.status is SessionStatus.SCHEDULED
    with pytest.raises(IntegrityError), make_session() as s, s.begin():
        s.execute(
            text(
                "INSERT INTO treatment_sessions (patient_id, session_date, status, created_at) "
                "VALUES (:p, '2026-10-07', 'maybe', '2026-11-24 10:00:00')"
            ),
            {"p": patient.id},
        )
    with pytest.raises(IntegrityError), make_session() as s, s.begin():
        s.add(TreatmentSession(patient_id=patient.id, session_date=date(2026, 10, 8), units=0))


def test_the_clinic_interval_cannot_be_set_below_twelve_weeks(make_session: sessionmaker) -> None:
    with pytest.raises(IntegrityError), make_session() as s, s.begin():
        s.add(ClinicSettings(id=1, interval_weeks=8, timezone="Europe/London", phone=""))


def test_there_is_only_one_clinic_settings_row(make_session: sessionmaker) -> None:
    with pytest.raises(IntegrityError), make_session() as s, s.begin():
        s.add(ClinicSettings(id=2, interval_weeks=12, timezone="Europe/London", phone=""))


def test_accounts_that_existed_before_roles_become_approvers(fresh_db_url: str) -> None:
    """Migration 0006: every account could publish before roles existed, and still can."""
    upgrade_database(fresh_db_url, "0005_knowledge_base")
    engine = create_db_engine(fresh_db_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO staff_users (username, password_hash, active, created_at) "
                    "VALUES ('nurse.jones', 'x', :yes, '2026-12-01 09:00:00')"
                ),
                {"yes": True},
            )
        upgrade_database(fresh_db_url)
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT role, session_epoch FROM staff_users WHERE username = 'nurse.jones'")
            ).one()
        assert tuple(row) == ("approver", 0)
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE staff_users SET role = 'admin'"))
    finally:
        engine.dispose()
