"""Importing the clinic's CSV export: row by row, all or nothing per row, idempotent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.db import importer
from bot.db.importer import RowError, import_csv, import_csv_text
from bot.db.models import Patient, SessionStatus, TreatmentSession

TODAY = date(2026, 11, 24)
DATA = Path(__file__).resolve().parent.parent / "data"
GOOD = DATA / "clinic_export.csv"
WITH_ERRORS = DATA / "clinic_export_with_errors.csv"
HEADER = "reference,date_of_birth,session_date,status,units,clinician,notes\n"


@pytest.fixture(autouse=True)
def _clinic_date_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATE_ORDER", raising=False)


def run_import(make_session: sessionmaker, path: Path):
    with make_session() as s, s.begin():
        return import_csv(s, path, today=TODAY)


def run_text(make_session: sessionmaker, text: str):
    with make_session() as s, s.begin():
        return import_csv_text(s, text, today=TODAY)


def counts(make_session: sessionmaker) -> tuple[int, int]:
    with make_session() as s:
        patients = s.execute(select(func.count(Patient.id))).scalar_one()
        sessions = s.execute(select(func.count(TreatmentSession.id))).scalar_one()
    return patients, sessions


def test_a_clean_export_imports_patients_and_sessions(make_session: sessionmaker) -> None:
    report = run_import(make_session, GOOD)
    assert report.ok
    assert (report.rows_read, report.patients_added, report.sessions_added) == (6, 3, 5)
    assert counts(make_session) == (3, 5)
    with make_session() as s:
        patient = s.execute(select(Patient).where(Patient.reference == "BTX-2002")).scalar_one()
        assert patient.date_of_birth == date(1988, 1, 2)  # 02/01/1988 is day first
        latest = s.execute(
            select(TreatmentSession).where(TreatmentSession.session_date == date(2026, 9, 29))
        ).scalar_one()
        assert (latest.units, latest.clinician, latest.notes) == (
            195,
            "Dr Patel",
            "extra sites over occiput",
        )
        booked = s.execute(
            select(TreatmentSession).where(TreatmentSession.session_date == date(2027, 1, 5))
        ).scalar_one()
        assert booked.status is SessionStatus.SCHEDULED


def test_importing_the_same_file_twice_changes_nothing(make_session: sessionmaker) -> None:
    run_import(make_session, GOOD)
    again = run_import(make_session, GOOD)
    assert again.ok
    assert (again.patients_added, again.sessions_added, again.sessions_updated) == (0, 0, 0)
    assert again.rows_unchanged == 6
    assert counts(make_session) == (3, 5)


def test_a_later_export_updates_a_booked_session(make_session: sessionmaker) -> None:
    run_import(make_session, GOOD)
    report = run_text(make_session, HEADER + "BTX-2003,1962-11-30,2027-01-05,done,155,,\n")
    # 5 January 2027 is after TODAY: a session cannot be done in the future.
    assert not report.ok
    report = run_text(make_session, HEADER + "BTX-2003,1962-11-30,2026-10-13,,,Dr Okafor,\n")
    assert report.ok and report.sessions_updated == 1
    with make_session() as s:
        updated = s.execute(
            select(TreatmentSession).where(TreatmentSession.session_date == date(2026, 10, 13))
        ).scalar_one()
        assert (updated.clinician, updated.units) == ("Dr Okafor", 155)  # empty cell kept


def test_each_bad_row_is_reported_with_its_line_and_column(make_session: sessionmaker) -> None:
    report = run_import(make_session, WITH_ERRORS)
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "reference"),
        (4, "date_of_birth"),
        (4, "status"),
        (5, "status"),
        (6, "units"),
        (7, "date_of_birth"),
        (8, "status"),
        (9, "date_of_birth"),
    ]
    assert report.rows_failed == 7
    assert (report.patients_added, report.sessions_added) == (2, 2)  # lines 2 and 10
    assert counts(make_session) == (2, 2)
    assert "differs from the date of birth on record" in report.errors[-1].message


def test_the_report_never_repeats_patient_data(make_session: sessionmaker) -> None:
    report = run_import(make_session, WITH_ERRORS)
    printed = "\n".join(report.summary_lines())
    assert "line 9, column date_of_birth" in printed
    for value in ("BTX-3", "1980", "1981", "31/02", "2026-09-01", "4000", "finished", "DROP"):
        assert value not in printed


def test_a_row_that_fails_while_writing_leaves_nothing_behind(
    make_session: sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Let 999 units through the checks so that the database refuses the session after the
    # new patient has been written: the savepoint must take the patient back out too.
    monkeypatch.setattr(importer, "MAX_UNITS_PER_SESSION", 10_000)
    report = run_text(
        make_session,
        HEADER + "BTX-4001,1970-01-01,2026-09-01,done,999,,\nBTX-4002,1970-01-01,,,,,\n",
    )
    assert report.errors == [RowError(2, "", "the database refused this row; not saved")]
    assert report.patients_added == 1
    with make_session() as s:
        references = s.execute(select(Patient.reference)).scalars().all()
    assert references == ["BTX-4002"]


def test_a_missing_required_column_imports_nothing(make_session: sessionmaker) -> None:
    report = run_text(make_session, "reference,session_date\nBTX-5001,2026-09-01\n")
    assert report.errors == [RowError(1, "date_of_birth", "required column is missing")]
    assert counts(make_session) == (0, 0)


def test_headers_are_matched_loosely_and_other_columns_ignored(make_session: sessionmaker) -> None:
    text = "\ufeffReference, Date of Birth ,Session Date,NHS number\nBTX-5002,1970-01-01,,x\n"
    report = run_text(make_session, text)
    assert report.ok, report.errors
    assert report.ignored_columns == ["nhs_number"]
    assert counts(make_session) == (1, 0)


def test_a_file_saved_with_a_byte_order_mark_is_read(make_session, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "BTX-5003,1970-01-01,2026-09-01,,,,\n", encoding="utf-8-sig")
    assert run_import(make_session, path).ok
    assert counts(make_session) == (1, 1)


def test_a_file_that_is_not_utf8_is_refused(make_session, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes((HEADER + "BTX-5004,1970-01-01,,,,,Mme Bérénice\n").encode("utf-16"))
    report = run_import(make_session, path)
    assert not report.ok
    assert counts(make_session) == (0, 0)


def test_extra_values_and_blank_rows(make_session: sessionmaker) -> None:
    text = HEADER + "BTX-5005,1970-01-01,,,,,,surplus\n,,,,,,\n\nBTX-5006,1970-01-01,,,,,\n"
    report = run_text(make_session, text)
    assert [(e.row, e.column) for e in report.errors] == [(2, "")]
    assert report.rows_read == 2
    assert counts(make_session) == (1, 0)


def test_us_date_order_follows_the_clinic_setting(
    make_session: sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATE_ORDER", "MDY")
    report = run_text(make_session, HEADER + "BTX-5007,01/02/1970,,,,,\n")
    assert report.ok
    with make_session() as s:
        assert s.execute(select(Patient.date_of_birth)).scalar_one() == date(1970, 1, 2)
