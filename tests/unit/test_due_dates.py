"""Next due date arithmetic and wording, with a fixed today."""

from __future__ import annotations

from datetime import date

import pytest

from bot.due_dates.schedule import (
    MIN_INTERVAL_WEEKS,
    format_due_date,
    next_due,
    relative_phrase,
)

TODAY = date(2026, 11, 24)


def test_next_due_is_twelve_weeks_after_the_last_session() -> None:
    info = next_due(date(2026, 10, 6), TODAY)
    assert info.due_date == date(2026, 12, 29)
    assert info.interval_weeks == 12
    assert info.days_away == 35
    assert info.weeks_away == 5
    assert not info.overdue
    assert not info.is_due_soon
    assert info.phrase == "in 5 weeks"
    assert format_due_date(info.due_date) == "Tuesday 29 December 2026"


def test_an_interval_shorter_than_twelve_weeks_is_raised_to_twelve() -> None:
    assert next_due(date(2026, 10, 6), TODAY, interval_weeks=8).due_date == date(2026, 12, 29)
    assert next_due(date(2026, 10, 6), TODAY, interval_weeks=0).interval_weeks == MIN_INTERVAL_WEEKS
    assert next_due(date(2026, 10, 6), TODAY, interval_weeks=-3).interval_weeks == 12


def test_a_longer_clinic_interval_is_used() -> None:
    info = next_due(date(2026, 10, 6), TODAY, interval_weeks=16)
    assert info.due_date == date(2027, 1, 26)
    assert info.interval_weeks == 16


def test_a_passed_due_date_is_overdue() -> None:
    info = next_due(date(2026, 7, 14), TODAY)
    assert info.due_date == date(2026, 10, 6)
    assert info.overdue
    assert info.days_away == -49
    assert info.weeks_away == -7
    assert not info.is_due_soon
    assert info.phrase == "7 weeks ago"


def test_due_today_is_due_soon_and_not_overdue() -> None:
    info = next_due(date(2026, 9, 1), TODAY)
    assert info.due_date == TODAY
    assert info.is_due_today
    assert info.is_due_soon
    assert not info.overdue
    assert info.phrase == "today"


@pytest.mark.parametrize(("days", "soon"), [(1, True), (14, True), (15, False), (-1, False)])
def test_due_soon_means_within_two_weeks(days: int, soon: bool) -> None:
    last = date.fromordinal(TODAY.toordinal() + days - 84)
    assert next_due(last, TODAY).is_due_soon is soon


def test_weeks_away_counts_whole_weeks() -> None:
    assert next_due(date(2026, 10, 7), TODAY).weeks_away == 5  # 36 days
    assert next_due(date(2026, 8, 30), TODAY).weeks_away == 0  # due in 2 days


def test_a_last_session_after_today_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="after today"):
        next_due(date(2026, 11, 25), TODAY)


@pytest.mark.parametrize(
    ("days", "phrase"),
    [
        (0, "today"),
        (1, "tomorrow"),
        (-1, "yesterday"),
        (4, "in 4 days"),
        (13, "in 13 days"),
        (14, "in 2 weeks"),
        (35, "in 5 weeks"),
        (36, "in 5 weeks and 1 day"),
        (38, "in 5 weeks and 3 days"),
        (-3, "3 days ago"),
        (-21, "3 weeks ago"),
        (-23, "3 weeks and 2 days ago"),
    ],
)
def test_distances_are_said_in_plain_words(days: int, phrase: str) -> None:
    assert relative_phrase(days) == phrase


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 12, 29), "Tuesday 29 December 2026"),
        (date(2027, 1, 5), "Tuesday 5 January 2027"),
        (date(2028, 2, 29), "Tuesday 29 February 2028"),
    ],
)
def test_due_dates_are_written_out_in_full(day: date, text: str) -> None:
    assert format_due_date(day) == text
