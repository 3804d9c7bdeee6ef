"""Import patients and treatment sessions from a CSV export of the clinic's system.

The file: UTF-8 (a spreadsheet's byte-order mark is fine), comma-separated, a header row.
Header names are matched without regard to case or spaces; other columns are ignored (and
listed in the report).

==============  ========  ==============================================================
column          required  content
==============  ========  ==============================================================
reference       yes       clinic reference, e.g. ``BTX-1001`` (``btx 1001`` is accepted)
date_of_birth   yes       ``YYYY-MM-DD``, or ``DD/MM/YYYY`` (``MM/DD/YYYY`` when
                          ``DATE_ORDER=MDY``); four-digit years only
session_date    no        a treatment session, same formats; empty: the patient only
status          no        ``done`` or ``scheduled``; empty: done up to today, scheduled
                          after it
units           no        whole number of units given, 1 to 400
clinician       no        up to 100 characters
notes           no        up to 2000 characters
==============  ========  ==============================================================

One row is one patient and at most one session; a patient with several sessions has one
row per session (the same reference and date of birth on each).

Each row is all or nothing: it is checked completely, then written in its own SAVEPOINT,
so a bad row is reported (line number, column, plain-English reason) and nothing of it is
written, while good rows are kept. Importing the same file again changes nothing: a
patient is found by reference, a session by patient and date (an existing session is
updated with the status, units, clinician or notes the file gives, never cleared by an
empty cell). A known reference with a different date of birth is an error, never an
overwrite. The messages never repeat the values (the report may be shared): they name the
line and column.

``import_csv`` does not commit; the caller's unit of work does (``python -m bot db import``).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.db.models import MAX_UNITS_PER_SESSION, Patient, SessionStatus, TreatmentSession
from bot.due_dates.identity import normalise_reference
from bot.due_dates.parsing import MAX_AGE_YEARS, age_on, parse_record_date

logger = logging.getLogger(__name__)

COLUMNS = (
    "reference",
    "date_of_birth",
    "session_date",
    "status",
    "units",
    "clinician",
    "notes",
)
REQUIRED_COLUMNS = ("reference", "date_of_birth")
MAX_CLINICIAN_LENGTH = 100
MAX_NOTES_LENGTH = 2000
HEADER_LINE = 1


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file, as a spreadsheet shows it (the header is line 1)
    column: str  # "" when the problem is the whole row
    message: str

    def __str__(self) -> str:
        where = f"line {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    rows_read: int = 0
    patients_added: int = 0
    sessions_added: int = 0
    sessions_updated: int = 0
    rows_unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_failed(self) -> int:
        return len({error.row for error in self.errors})

    def summary_lines(self) -> list[str]:
        """The report as lines to print: counts, then each problem (no patient data)."""
        lines = [
            f"rows read: {self.rows_read}, patients added: {self.patients_added}, "
            f"sessions added: {self.sessions_added}, sessions updated: {self.sessions_updated}, "
            f"rows unchanged: {self.rows_unchanged}, rows rejected: {self.rows_failed}"
        ]
        if self.ignored_columns:
            lines.append("columns ignored: " + ", ".join(self.ignored_columns))
        lines.extend(f"  {error}" for error in self.errors)
        return lines


@dataclass(frozen=True)
class _Row:
    """A row that passed every check, ready to write."""

    line: int
    reference: str
    date_of_birth: date
    session_date: date | None
    status: SessionStatus | None
    units: int | None
    clinician: str | None
    notes: str | None


class _RowRejected(Exception):
    """A row that passed the checks but conflicts with the records (rolled back)."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _text(row: Mapping[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def _check_row(
    line: int, row: Mapping[str, str | None], today: date, day_first: bool | None
) -> _Row | list[RowError]:
    errors: list[RowError] = []

    def problem(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    reference = normalise_reference(_text(row, "reference"))
    if not _text(row, "reference"):
        problem("reference", "is empty; every row needs the clinic reference")
    elif reference is None:
        problem("reference", "is not a clinic reference like BTX-1001")

    born = None
    if not _text(row, "date_of_birth"):
        problem("date_of_birth", "is empty; every row needs the date of birth")
    else:
        born = parse_record_date(_text(row, "date_of_birth"), day_first=day_first)
        if born is None:
            problem("date_of_birth", "is not a date (write YYYY-MM-DD or DD/MM/YYYY)")
        elif born > today:
            problem("date_of_birth", "is in the future")
            born = None
        elif age_on(born, today) > MAX_AGE_YEARS:
            problem("date_of_birth", f"gives an age over {MAX_AGE_YEARS}; check the year")
            born = None

    session_date = None
    if _text(row, "session_date"):
        session_date = parse_record_date(_text(row, "session_date"), day_first=day_first)
        if session_date is None:
            problem("session_date", "is not a date (write YYYY-MM-DD or DD/MM/YYYY)")
        elif born is not None and session_date < born:
            problem("session_date", "is before the date of birth")

    status = None
    if _text(row, "status"):
        try:
            status = SessionStatus(_text(row, "status").lower())
        except ValueError:
            problem("status", "must be done or scheduled")
        if not _text(row, "session_date"):
            problem("status", "is given but session_date is empty")
    if status is None and session_date is not None:
        status = SessionStatus.DONE if session_date <= today else SessionStatus.SCHEDULED
    if status is SessionStatus.DONE and session_date is not None and session_date > today:
        problem("status", "is done but the session date is in the future")

    units = None
    if _text(row, "units"):
        try:
            units = int(_text(row, "units"))
        except ValueError:
            problem("units", "must be a whole number")
        else:
            if not 1 <= units <= MAX_UNITS_PER_SESSION:
                problem("units", f"must be between 1 and {MAX_UNITS_PER_SESSION}")
        if not _text(row, "session_date"):
            problem("units", "is given but session_date is empty")

    clinician = _text(row, "clinician") or None
    if clinician and len(clinician) > MAX_CLINICIAN_LENGTH:
        problem("clinician", f"is longer than {MAX_CLINICIAN_LENGTH} characters")
    notes = _text(row, "notes") or None
    if notes and len(notes) > MAX_NOTES_LENGTH:
        problem("notes", f"is longer than {MAX_NOTES_LENGTH} characters")

    if errors:
        return errors
    assert reference is not None and born is not None
    return _Row(line, reference, born, session_date, status, units, clinician, notes)


def _write_row(session: Session, row: _Row, report: ImportReport) -> str:
    """Write one checked row; returns "added", "updated" or "unchanged" (for the counts)."""
    patient = session.execute(
        select(Patient).where(Patient.reference == row.reference)
    ).scalar_one_or_none()
    outcome = "unchanged"
    if patient is None:
        patient = Patient(reference=row.reference, date_of_birth=row.date_of_birth)
        session.add(patient)
        session.flush()
        report.patients_added += 1
        outcome = "added"
    elif patient.date_of_birth != row.date_of_birth:
        raise _RowRejected(
            "date_of_birth",
            "differs from the date of birth on record for this reference; not changed",
        )
    if row.session_date is None:
        return outcome

    existing = session.execute(
        select(TreatmentSession).where(
            TreatmentSession.patient_id == patient.id,
            TreatmentSession.session_date == row.session_date,
        )
    ).scalar_one_or_none()
    if existing is None:
        session.add(
            TreatmentSession(
                patient_id=patient.id,
                session_date=row.session_date,
                status=row.status or SessionStatus.DONE,
                units=row.units,
                clinician=row.clinician,
                notes=row.notes,
            )
        )
        session.flush()
        report.sessions_added += 1
        return "added"
    changed = False
    for name in ("status", "units", "clinician", "notes"):
        value = getattr(row, name)
        if value is not None and getattr(existing, name) != value:
            setattr(existing, name, value)
            changed = True
    if changed:
        session.flush()
        report.sessions_updated += 1
        return "updated"
    return outcome


def import_rows(
    session: Session,
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    *,
    today: date,
    day_first: bool | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Import ``(line number, row)`` pairs whose keys are the column names (lower case)."""
    report = report if report is not None else ImportReport()
    for line, raw in rows:
        if None in raw:  # csv.DictReader puts values beyond the header under None
            report.rows_read += 1
            report.errors.append(RowError(line, "", "has more values than the header has columns"))
            continue
        if not any((value or "").strip() for value in raw.values()):
            continue  # a blank row: nothing to import
        report.rows_read += 1
        checked = _check_row(line, raw, today, day_first)
        if isinstance(checked, list):
            report.errors.extend(checked)
            continue
        before = (report.patients_added, report.sessions_added, report.sessions_updated)
        try:
            with session.begin_nested():
                outcome = _write_row(session, checked, report)
        except _RowRejected as exc:
            report.patients_added, report.sessions_added, report.sessions_updated = before
            report.errors.append(RowError(line, exc.column, exc.message))
            continue
        except SQLAlchemyError:
            report.patients_added, report.sessions_added, report.sessions_updated = before
            logger.warning("import: the database refused line %d", line)
            report.errors.append(RowError(line, "", "the database refused this row; not saved"))
            continue
        if outcome == "unchanged":
            report.rows_unchanged += 1
    return report


def _read_header(reader: csv.DictReader, report: ImportReport) -> bool:
    fieldnames = reader.fieldnames
    if not fieldnames:
        report.errors.append(RowError(HEADER_LINE, "", "the file is empty (no header row)"))
        return False
    names = [re.sub(r"[\s-]+", "_", (name or "").strip().lower()) for name in fieldnames]
    reader.fieldnames = names
    for column in REQUIRED_COLUMNS:
        if column not in names:
            report.errors.append(RowError(HEADER_LINE, column, "required column is missing"))
    duplicates = sorted({name for name in names if names.count(name) > 1 and name})
    for column in duplicates:
        report.errors.append(RowError(HEADER_LINE, column, "column appears more than once"))
    report.ignored_columns = [name for name in names if name and name not in COLUMNS]
    return report.ok


def import_csv_text(
    session: Session, text: str, *, today: date, day_first: bool | None = None
) -> ImportReport:
    """Import CSV content already read into a string (see ``import_csv``)."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    if not _read_header(reader, report):
        return report

    def numbered() -> Iterable[tuple[int, Mapping[str, str | None]]]:
        for row in reader:
            yield reader.line_num, row

    try:
        return import_rows(session, numbered(), today=today, day_first=day_first, report=report)
    except csv.Error:
        report.errors.append(RowError(reader.line_num, "", "is not valid CSV; stopped here"))
        return report


def import_csv(
    session: Session, path: Path | str, *, today: date, day_first: bool | None = None
) -> ImportReport:
    """Import the CSV file at ``path`` (columns in the module docstring) as of ``today``.

    ``day_first`` as in ``bot.due_dates.parsing`` (None: ``DATE_ORDER``). Does not commit.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        report = ImportReport()
        report.errors.append(
            RowError(HEADER_LINE, "", "the file is not UTF-8 text (save as CSV UTF-8)")
        )
        return report
    return import_csv_text(session, text, today=today, day_first=day_first)
