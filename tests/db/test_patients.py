"""Identity check and due-date look-up: what it tells, what it keeps, when it locks."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import ClinicSettings, LookupFailure, Patient, SessionStatus, TreatmentSession
from bot.db.seed import seed_demo_data
from bot.due_dates.identity import (
    LOCKED,
    NOT_VERIFIED,
    LookupStatus,
    normalise_reference,
    reference_hash,
    verify_and_get_due,
)

TODAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 10, 0)
BORN_1001 = date(1984, 3, 15)


@pytest.fixture
def demo(make_session: sessionmaker) -> sessionmaker:
    with make_session() as s, s.begin():
        seed_demo_data(s)
    return make_session


def check(
    make_session: sessionmaker,
    reference: str,
    born: date,
    failures: int = 0,
    now: datetime = NOW,
):
    with make_session() as s, s.begin():
        return verify_and_get_due(s, reference, born, TODAY, failures, now=now)


def failure_rows(make_session: sessionmaker) -> list[LookupFailure]:
    with make_session() as s:
        return list(s.execute(select(LookupFailure)).scalars())


# --- verified --------------------------------------------------------------------------


def test_matching_details_give_the_next_due_date(demo: sessionmaker) -> None:
    result = check(demo, "BTX-1001", BORN_1001)
    assert result.status is LookupStatus.VERIFIED
    assert result.due is not None
    assert result.due.due_date == date(2026, 12, 29)
    assert result.due.phrase == "in 5 weeks"
    assert result.has_session_on_record


def test_the_reference_may_be_typed_loosely(demo: sessionmaker) -> None:
    assert check(demo, "btx 1001", BORN_1001).status is LookupStatus.VERIFIED


def test_a_patient_without_sessions_is_verified_with_no_due_date(demo: sessionmaker) -> None:
    result = check(demo, "BTX-1002", date(1969, 7, 30))
    assert result.status is LookupStatus.VERIFIED
    assert result.due is None
    assert not result.has_session_on_record


def test_an_overdue_patient_is_told_so(demo: sessionmaker) -> None:
    result = check(demo, "BTX-1003", date(1991, 12, 2))
    assert result.due is not None
    assert result.due.overdue
    assert result.due.due_date == date(2026, 10, 6)


def test_only_sessions_done_count_and_a_booked_one_is_reported(make_session: sessionmaker) -> None:
    with make_session() as s, s.begin():
        patient = Patient(reference="BTX-2000", date_of_birth=BORN_1001)
        patient.sessions += [
            TreatmentSession(session_date=date(2026, 9, 1), status=SessionStatus.DONE),
            TreatmentSession(session_date=date(2026, 11, 20), status=SessionStatus.SCHEDULED),
            TreatmentSession(session_date=date(2026, 11, 25), status=SessionStatus.SCHEDULED),
            TreatmentSession(session_date=date(2026, 12, 20), status=SessionStatus.DONE),  # error
        ]
        s.add(patient)
    result = check(make_session, "BTX-2000", BORN_1001)
    assert result.due is not None
    assert result.due.last_session == date(2026, 9, 1)
    assert result.next_booked == date(2026, 11, 25)


def test_the_clinic_interval_setting_is_used(demo: sessionmaker) -> None:
    with demo() as s, s.begin():
        s.get(ClinicSettings, 1).interval_weeks = 16
    result = check(demo, "BTX-1001", BORN_1001)
    assert result.due is not None
    assert result.due.due_date == date(2027, 1, 26)


# --- not verified ----------------------------------------------------------------------


def test_wrong_birth_date_discloses_nothing(demo: sessionmaker) -> None:
    wrong_birth = check(demo, "BTX-1001", date(1984, 3, 16))
    unknown_reference = check(demo, "BTX-9999", BORN_1001)
    assert wrong_birth is NOT_VERIFIED
    assert unknown_reference is NOT_VERIFIED
    assert wrong_birth.due is None and wrong_birth.next_booked is None


def test_unknown_reference_and_wrong_birth_date_do_the_same_database_work(
    demo: sessionmaker, engine: Engine
) -> None:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        check(demo, "BTX-1001", date(1984, 3, 16))
        wrong_birth = list(statements)
        statements.clear()
        check(demo, "BTX-9999", BORN_1001)
        unknown_reference = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert wrong_birth == unknown_reference
    assert any("INSERT INTO lookup_failures" in s for s in wrong_birth)


def test_failures_are_stored_as_a_keyed_hash_never_the_reference(demo: sessionmaker) -> None:
    check(demo, "BTX-1001", date(2000, 1, 1))
    check(demo, "BTX-9999", date(2000, 1, 1))
    rows = failure_rows(demo)
    assert [row.reference_hash for row in rows] == [
        reference_hash("BTX-1001"),
        reference_hash("BTX-9999"),
    ]
    for row in rows:
        assert "1001" not in row.reference_hash and "BTX" not in row.reference_hash.upper()
        assert len(row.reference_hash) == 64


def test_the_hash_depends_on_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOOKUP_HASH_SECRET", raising=False)
    default = reference_hash("BTX-1001")
    monkeypatch.setenv("LOOKUP_HASH_SECRET", "a clinic's own secret")
    assert reference_hash("BTX-1001") != default
    assert reference_hash("BTX-1001") == reference_hash("BTX-1001", b"a clinic's own secret")


def test_garbage_reference_is_not_verified_and_not_looked_up(demo: sessionmaker) -> None:
    assert check(demo, "BTX-1001'; DROP TABLE patients; --", BORN_1001) is NOT_VERIFIED
    assert failure_rows(demo) == []
    with demo() as s:
        assert len(s.execute(select(Patient)).scalars().all()) == 3


# --- locked ----------------------------------------------------------------------------


def test_three_failures_in_a_conversation_lock_it_even_with_correct_details(
    demo: sessionmaker,
) -> None:
    assert check(demo, "BTX-1001", BORN_1001, failures=2).status is LookupStatus.VERIFIED
    assert check(demo, "BTX-1001", BORN_1001, failures=3) is LOCKED
    assert failure_rows(demo) == []


def test_five_failures_for_a_reference_lock_it_across_conversations(demo: sessionmaker) -> None:
    for minute in range(5):
        result = check(demo, "BTX-1001", date(2000, 1, 1), now=NOW + timedelta(minutes=minute))
        assert result is NOT_VERIFIED
    # A new conversation (no failures of its own) with the right details: still locked.
    assert check(demo, "BTX-1001", BORN_1001, now=NOW + timedelta(minutes=6)) is LOCKED
    # Other references are not affected.
    assert check(demo, "BTX-1002", date(1969, 7, 30)).status is LookupStatus.VERIFIED


def test_the_lock_lifts_after_fifteen_minutes(demo: sessionmaker) -> None:
    for _ in range(5):
        check(demo, "BTX-1001", date(2000, 1, 1), now=NOW)
    assert check(demo, "BTX-1001", BORN_1001, now=NOW + timedelta(minutes=14)) is LOCKED
    later = NOW + timedelta(minutes=15, seconds=1)
    assert check(demo, "BTX-1001", BORN_1001, now=later).status is LookupStatus.VERIFIED


def test_unknown_references_are_locked_the_same_way(demo: sessionmaker) -> None:
    for _ in range(5):
        assert check(demo, "BTX-9999", BORN_1001) is NOT_VERIFIED
    assert check(demo, "BTX-9999", BORN_1001) is LOCKED


def test_old_failure_records_are_deleted(demo: sessionmaker) -> None:
    check(demo, "BTX-1001", date(2000, 1, 1), now=NOW - timedelta(days=2))
    check(demo, "BTX-1001", date(2000, 1, 1), now=NOW)
    rows = failure_rows(demo)
    assert [row.created_at for row in rows] == [NOW]


def test_a_timezone_aware_now_is_stored_as_utc(demo: sessionmaker) -> None:
    from zoneinfo import ZoneInfo

    summer = datetime(2026, 7, 1, 11, 0, tzinfo=ZoneInfo("Europe/London"))
    check(demo, "BTX-1001", date(2000, 1, 1), now=summer)
    assert [row.created_at for row in failure_rows(demo)] == [datetime(2026, 7, 1, 10, 0)]


def test_nothing_about_the_patient_is_logged(
    demo: sessionmaker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    check(demo, "BTX-1001", BORN_1001)
    check(demo, "BTX-1001", date(1984, 3, 16))
    check(demo, "BTX-9999", BORN_1001)
    logged = caplog.text
    assert "verified" in logged
    for secret in ("1001", "9999", "1984", "03-15", "15/03", "2026-10-06", "2026-12-29"):
        assert secret not in logged


def test_the_check_only_writes_inside_the_callers_unit_of_work(demo: sessionmaker) -> None:
    with demo() as s:
        s.begin()
        assert verify_and_get_due(s, "BTX-1001", date(2000, 1, 1), TODAY, 0, now=NOW) is (
            NOT_VERIFIED
        )
        s.rollback()
    assert failure_rows(demo) == []


def test_the_session_passed_in_is_used_as_is(session: Session) -> None:
    seed_demo_data(session)
    result = verify_and_get_due(session, "BTX-1001", BORN_1001, TODAY, 0, now=NOW)
    assert result.status is LookupStatus.VERIFIED


# --- references ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "BTX-1001",
        "btx 1001",
        "btx1001",
        " Btx-1001 ",
        "BTX_1001",
        "btx - 1001",
        "my reference is BTX 1001",
        "It's btx1001.",
    ],
)
def test_references_are_normalised(text: str) -> None:
    assert normalise_reference(text) == "BTX-1001"


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "1001",
        "hello",
        "ABC-1001",
        "BTX-12",
        "BTX-1234567",
        "BTX-1001'; DROP TABLE patients; --",
        "BTX-1001 OR 1=1",
        "BTX-1001 union select",
        "<b>BTX-1001</b>",
        "<script>alert(1)</script>",
        "BTX-1001 or BTX-1002",
        "my reference number should be BTX-1001 I believe",  # over 40 characters
        "BTX-1001 " + "a" * 40,
    ],
)
def test_anything_else_is_not_a_reference(text: str | None) -> None:
    assert normalise_reference(text) is None
