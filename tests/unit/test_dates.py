"""Reading session dates and birth dates as patients write them (today is passed in)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.due_dates.parsing import (
    DateProblem,
    format_long_date,
    parse_birth_date,
    parse_date,
    parse_record_date,
)

TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.fixture(autouse=True)
def _clinic_date_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATE_ORDER", raising=False)  # the default: DMY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 October", date(2026, 10, 6)),
        ("6 Oct 2026", date(2026, 10, 6)),
        ("06/10/2026", date(2026, 10, 6)),
        ("6/10/26", date(2026, 10, 6)),
        ("2026-10-06", date(2026, 10, 6)),
        ("06.10.2026", date(2026, 10, 6)),
        ("6th of October", date(2026, 10, 6)),
        ("the sixth of October", date(2026, 10, 6)),
        ("October 6th, 2026", date(2026, 10, 6)),
        ("Oct 6", date(2026, 10, 6)),
        ("6/10", date(2026, 10, 6)),
        ("5 weeks ago", date(2026, 10, 20)),
        ("3 months ago", date(2026, 8, 24)),
        ("a fortnight ago", date(2026, 11, 10)),
        ("a couple of weeks ago", date(2026, 11, 10)),
        ("two weeks ago", date(2026, 11, 10)),
        ("3 wks ago", date(2026, 11, 3)),
        ("10 days back", date(2026, 11, 14)),
        ("12 weeks ago", date(2026, 9, 1)),
        ("last Tuesday", date(2026, 11, 17)),
        ("last Saturday", date(2026, 11, 21)),
        ("on Friday", date(2026, 11, 20)),
        ("Tuesday last week", date(2026, 11, 17)),
        ("yesterday", date(2026, 11, 23)),
        ("the day before yesterday", date(2026, 11, 22)),
        ("today", TODAY),
    ],
)
def test_common_ways_of_writing_a_session_date_are_understood(text: str, expected: date) -> None:
    parsed = parse_date(text, TODAY)
    assert parsed.error is None, parsed
    assert parsed.value == expected


@pytest.mark.parametrize(
    "text",
    [
        "it was on 6 October I think",
        "My last injections were on 06/10/2026, in the morning.",
        "hmm, about 7 weeks ago",
        "I had some injections 7 weeks ago",
        "I think it was Tuesday 6 October",
    ],
)
def test_words_around_the_date_are_ignored(text: str) -> None:
    assert parse_date(text, TODAY).value == date(2026, 10, 6)


def test_relative_dates_count_from_the_given_today_not_the_real_one() -> None:
    assert parse_date("5 weeks ago", date(2020, 1, 15)).value == date(2019, 12, 11)
    assert parse_date("yesterday", date(2020, 3, 1)).value == date(2020, 2, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 weeks ago today", date(2026, 10, 13)),
        ("it was a Tuesday, 5 weeks ago", date(2026, 10, 20)),
        ("Monday last week", date(2026, 11, 16)),
    ],
)
def test_the_most_specific_phrase_wins(text: str, expected: date) -> None:
    assert parse_date(text, TODAY).value == expected


def test_a_number_of_days_alone_is_not_a_date() -> None:
    assert parse_date("I get headaches 3 days a week", TODAY).error is DateProblem.UNREADABLE


def test_last_weekday_said_on_that_weekday_means_a_week_ago() -> None:
    assert parse_date("last Tuesday", TODAY).value == date(2026, 11, 17)
    assert parse_date("this Tuesday", TODAY).value == TODAY


@pytest.mark.parametrize(
    "text", ["31/02/2026", "13/13/2026", "30 February", "31 April 2026", "29/02/2025", "0/5/2026"]
)
def test_dates_that_do_not_exist_are_impossible_not_unreadable(text: str) -> None:
    parsed = parse_date(text, TODAY)
    assert parsed.value is None
    assert parsed.error is DateProblem.IMPOSSIBLE


def test_a_date_in_the_future_is_refused_but_what_was_read_is_kept() -> None:
    parsed = parse_date("6 Oct 2027", TODAY)
    assert parsed.error is DateProblem.FUTURE
    assert parsed.value is None
    assert parsed.read_as == date(2027, 10, 6)


def test_future_relative_phrases_are_refused() -> None:
    assert parse_date("in 2 weeks", TODAY).error is DateProblem.FUTURE
    assert parse_date("next week", TODAY).error is DateProblem.FUTURE


def test_a_date_without_a_year_means_the_most_recent_one() -> None:
    parsed = parse_date("6 December", TODAY)
    assert parsed.value == date(2025, 12, 6)
    assert parsed.year_assumed
    assert parse_date("24 November", TODAY).value == TODAY


def test_dates_older_than_the_limit_are_too_old() -> None:
    assert parse_date("6 Oct 2020", TODAY).error is DateProblem.TOO_OLD
    assert parse_date("3 years ago", TODAY).error is DateProblem.TOO_OLD
    assert parse_date("2 years ago", TODAY).value == date(2024, 11, 24)


def test_the_age_limit_is_a_parameter() -> None:
    assert parse_date("5 weeks ago", TODAY, max_days_ago=30).error is DateProblem.TOO_OLD
    assert parse_date("5 weeks ago", TODAY, max_days_ago=35).value == date(2026, 10, 20)


@pytest.mark.parametrize(("text", "problem"), [("", DateProblem.EMPTY), ("   ", DateProblem.EMPTY)])
def test_nothing_typed_is_empty(text: str, problem: DateProblem) -> None:
    assert parse_date(text, TODAY).error is problem
    assert parse_date(None, TODAY).error is DateProblem.EMPTY


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "12",
        "1001",
        "BTX-1001",
        "a few weeks ago",
        "some months ago",
        "ages ago",
        "a while ago",
        "I sat down",
        "x" * 400,
    ],
)
def test_text_without_a_clear_date_is_unreadable(text: str) -> None:
    parsed = parse_date(text, TODAY)
    assert parsed.value is None
    assert parsed.error is DateProblem.UNREADABLE


@pytest.mark.parametrize("text", ["in March", "October 2026", "on the 6th"])
def test_a_month_without_a_day_or_a_day_without_a_month_is_incomplete(text: str) -> None:
    assert parse_date(text, TODAY).error is DateProblem.INCOMPLETE


def test_may_as_a_verb_is_not_a_month() -> None:
    assert parse_date("it may be 5 weeks ago", TODAY).value == date(2026, 10, 20)


def test_day_and_month_order_follows_the_clinic_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_date("06/10/2026", TODAY).value == date(2026, 10, 6)
    monkeypatch.setenv("DATE_ORDER", "MDY")
    assert parse_date("06/10/2026", TODAY).value == date(2026, 6, 10)
    assert parse_date("10/13/2026", TODAY).value == date(2026, 10, 13)
    # An impossible month-first reading is read day first, and says so.
    swapped = parse_date("13/10/2026", TODAY)
    assert swapped.value == date(2026, 10, 13) and swapped.order_swapped
    assert parse_date("31/13/2026", TODAY).error is DateProblem.IMPOSSIBLE
    # ISO and written months are never ambiguous.
    assert parse_date("2026-10-06", TODAY).value == date(2026, 10, 6)
    assert parse_date("6 October", TODAY).value == date(2026, 10, 6)


def test_day_first_argument_overrides_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATE_ORDER", "MDY")
    assert parse_date("06/10/2026", TODAY, day_first=True).value == date(2026, 10, 6)
    assert parse_date("06/10/2026", TODAY, day_first=False).value == date(2026, 6, 10)


def test_an_unknown_date_order_setting_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATE_ORDER", "YDM")
    with pytest.raises(ValueError, match="DATE_ORDER"):
        parse_date("06/10/2026", TODAY)


def test_the_interpretation_spells_out_the_date() -> None:
    parsed = parse_date("6/10/26", TODAY)
    assert parsed.interpretation == "Tuesday 6 October 2026"
    assert parse_date("hello", TODAY).interpretation == ""
    assert format_long_date(date(2026, 12, 29)) == "Tuesday 29 December 2026"


# --- dates of birth -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "15/03/1984",
        "15 March 1984",
        "1984-03-15",
        "March 15, 1984",
        "15.03.84",
        "15/3/84",
        "15-Mar-1984",
        "15 03 1984",
        "15th of March 1984",
        "my date of birth is 15/03/1984",
    ],
)
def test_common_ways_of_writing_a_birth_date_are_understood(text: str) -> None:
    parsed = parse_birth_date(text, TODAY)
    assert parsed.error is None, parsed
    assert parsed.value == date(1984, 3, 15)


def test_two_digit_birth_years_are_in_the_past() -> None:
    assert parse_birth_date("2/12/91", TODAY).value == date(1991, 12, 2)
    assert parse_birth_date("2/12/05", TODAY).value == date(2005, 12, 2)


def test_birth_dates_in_the_future_are_refused() -> None:
    parsed = parse_birth_date("15/03/2030", TODAY)
    assert parsed.error is DateProblem.FUTURE
    assert parsed.read_as == date(2030, 3, 15)


def test_impossible_birth_dates_are_refused() -> None:
    assert parse_birth_date("31/04/1990", TODAY).error is DateProblem.IMPOSSIBLE
    assert parse_birth_date("29 February 1991", TODAY).error is DateProblem.IMPOSSIBLE
    assert parse_birth_date("29 February 1992", TODAY).value == date(1992, 2, 29)


def test_an_age_over_120_is_refused() -> None:
    assert parse_birth_date("1/1/1900", TODAY).error is DateProblem.TOO_OLD
    assert parse_birth_date("25/11/1906", TODAY).value == date(1906, 11, 25)  # 119


def test_a_birth_date_needs_a_year() -> None:
    assert parse_birth_date("15 March", TODAY).error is DateProblem.INCOMPLETE


@pytest.mark.parametrize("text", ["yesterday", "5 weeks ago", "hello", "1984"])
def test_relative_or_partial_birth_dates_are_unreadable(text: str) -> None:
    assert parse_birth_date(text, TODAY).error is DateProblem.UNREADABLE


def test_american_birth_date_reads_as_impossible_in_a_uk_clinic() -> None:
    assert parse_birth_date("03/15/1984", TODAY).error is DateProblem.IMPOSSIBLE
    assert parse_birth_date("03/15/1984", TODAY, day_first=False).value == date(1984, 3, 15)


# --- dates in clinic exports ----------------------------------------------------------


def test_record_dates_accept_only_unambiguous_formats() -> None:
    assert parse_record_date("2026-10-06") == date(2026, 10, 6)
    assert parse_record_date("06/10/2026") == date(2026, 10, 6)
    assert parse_record_date("06/10/2026", day_first=False) == date(2026, 6, 10)
    for text in ("6 October 2026", "6/10/26", "31/02/2026", "", None, "yesterday"):
        assert parse_record_date(text) is None


def test_an_impossible_day_first_reading_is_read_month_first_and_says_so() -> None:
    parsed = parse_date("my last one was 11/23/2025", TODAY)
    assert parsed.value == date(2025, 11, 23) and parsed.order_swapped
    assert not parse_date("06/10/2026", TODAY).order_swapped  # possible both ways: clinic's
    assert parse_date("31/02/2026", TODAY).error is DateProblem.IMPOSSIBLE  # none works


def test_of_several_dates_the_most_recent_past_one_is_taken() -> None:
    parsed = parse_date("I had one on 14 July and the last on 6 October 2026", TODAY)
    assert parsed.value == date(2026, 10, 6) and parsed.several
    later_first = parse_date("6/10/2026, and before that 14/07/2026", TODAY)
    assert later_first.value == date(2026, 10, 6)
    future = parse_date("last one 6 October, next one 29 December 2026", TODAY)
    assert future.value == date(2026, 10, 6)  # the future date is not a last session
    assert not parse_date("6 October", TODAY).several
