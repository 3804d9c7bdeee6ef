"""Due-date wording, with a fixed today."""

from __future__ import annotations

from datetime import date

from bot.due_dates import replies as due_replies
from bot.due_dates.identity import LookupResult, LookupStatus
from bot.due_dates.parsing import DateProblem, ParsedDate
from bot.due_dates.schedule import next_due

TODAY = date(2026, 11, 24)
PHONE = "020 7946 0000"


def test_due_date_is_written_so_it_cannot_be_misread() -> None:
    text = due_replies.from_last_session(date(2026, 10, 6), TODAY, PHONE)
    assert "**Tuesday 29 December 2026**, in 5 weeks" in text
    assert "Tuesday 6 October 2026" in text


def test_overdue_says_so_and_how_to_book() -> None:
    text = due_replies.from_last_session(date(2026, 7, 14), TODAY, PHONE)
    assert "overdue" in text and PHONE in text and "7 weeks ago" in text


def test_due_today() -> None:
    text = due_replies.from_last_session(date(2026, 9, 1), TODAY, PHONE)
    assert "due **today**" in text


def test_record_with_no_session() -> None:
    text = due_replies.from_record(LookupResult(LookupStatus.VERIFIED), TODAY, PHONE)
    assert "no treatment session on record" in text


def test_record_uses_the_clinic_interval() -> None:
    result = LookupResult(LookupStatus.VERIFIED, next_due(date(2026, 10, 6), TODAY, 13))
    assert "13 weeks apart" in due_replies.from_record(result, TODAY, PHONE)


def test_never_earlier_than_twelve_weeks() -> None:
    result = LookupResult(LookupStatus.VERIFIED, next_due(date(2026, 10, 6), TODAY, 4))
    assert "Tuesday 29 December 2026" in due_replies.from_record(result, TODAY, PHONE)


def test_date_problems_are_explained() -> None:
    future = ParsedDate(error=DateProblem.FUTURE, read_as=date(2026, 12, 30))
    assert "Wednesday 30 December 2026" in due_replies.last_session_problem(future, PHONE)
    impossible = ParsedDate(error=DateProblem.IMPOSSIBLE)
    assert "doesn't exist" in due_replies.last_session_problem(impossible, PHONE)
    assert "doesn't exist" in due_replies.birth_date_problem(impossible)
    incomplete = ParsedDate(error=DateProblem.INCOMPLETE)
    assert "with the year" in due_replies.birth_date_problem(incomplete)


def test_have_i_missed_it_is_answered_yes_or_no_first() -> None:
    from bot.due_dates.replies import asks_if_missed

    assert asks_if_missed("have I missed my next one?") and asks_if_missed("am i overdue")
    assert not asks_if_missed("when is my next injection due?")
    overdue = due_replies.from_last_session(
        date(2026, 7, 14), date(2026, 11, 24), "0123", asked_missed=True
    )
    assert overdue.startswith("**Yes**") and "overdue" in overdue
    not_yet = due_replies.from_last_session(
        date(2026, 10, 6), date(2026, 11, 24), "0123", asked_missed=True
    )
    assert not_yet.startswith("**No**, you have not missed it.")
    assert due_replies.from_last_session(date(2026, 10, 6), date(2026, 11, 24), "0123").startswith(
        "If your"
    )


def test_the_reading_used_is_said_when_it_could_be_misread() -> None:
    from bot.due_dates.parsing import parse_date
    from bot.due_dates.replies import reading_note

    today = date(2026, 11, 24)
    swapped = reading_note(parse_date("11/23/2025", today, day_first=True))
    assert (
        swapped.startswith('I read "11/23/2025" month first, as') and "23 November 2025" in swapped
    )
    several = reading_note(parse_date("14 July and 6 October", today))
    assert "most recent" in several and "6 October 2026" in several
    assert reading_note(parse_date("6 October", today)) == ""
