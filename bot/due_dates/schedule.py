"""When the next Botox session is due, and how to say it so it cannot be misread.

Pure functions: ``today`` is always passed in.

    info = next_due(date(2026, 10, 6), today=date(2026, 11, 24))
    format_due_date(info.due_date)   # "Tuesday 29 December 2026"
    info.phrase                      # "in 5 weeks"

The interval is 12 weeks. A clinic setting may lengthen it, never shorten it: an interval
below 12 weeks is raised to 12, so the assistant never suggests a session sooner than the
licensed schedule allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.due_dates.parsing import format_long_date

MIN_INTERVAL_WEEKS = 12
DEFAULT_INTERVAL_WEEKS = MIN_INTERVAL_WEEKS
# "Due soon": the due date is today or within this many days.
DUE_SOON_DAYS = 14


@dataclass(frozen=True)
class DueInfo:
    """The next due date worked out from the last session.

    ``days_away`` is negative when the date has passed (overdue), 0 when it is today.
    ``weeks_away`` is whole weeks, rounded towards zero (36 days: 5; -20 days: -2).
    """

    last_session: date
    due_date: date
    today: date
    interval_weeks: int

    @property
    def days_away(self) -> int:
        return (self.due_date - self.today).days

    @property
    def weeks_away(self) -> int:
        return int(self.days_away / 7)

    @property
    def overdue(self) -> bool:
        return self.days_away < 0

    @property
    def is_due_today(self) -> bool:
        return self.days_away == 0

    @property
    def is_due_soon(self) -> bool:
        """Due today or within the next ``DUE_SOON_DAYS`` days (not when overdue)."""
        return 0 <= self.days_away <= DUE_SOON_DAYS

    @property
    def phrase(self) -> str:
        """ "in 5 weeks", "tomorrow", "today", "3 weeks ago" (see ``relative_phrase``)."""
        return relative_phrase(self.days_away)


def effective_interval(interval_weeks: int | None) -> int:
    """The interval actually used: at least ``MIN_INTERVAL_WEEKS`` (None: the default)."""
    if interval_weeks is None:
        return DEFAULT_INTERVAL_WEEKS
    return max(MIN_INTERVAL_WEEKS, int(interval_weeks))


def next_due(
    last_session: date, today: date, interval_weeks: int = DEFAULT_INTERVAL_WEEKS
) -> DueInfo:
    """The next due date: ``last_session`` plus the interval (never under 12 weeks).

    Raises ValueError if ``last_session`` is after ``today`` (a session still to come is
    not a last session; ``bot.due_dates.parsing.parse_date`` never returns one).
    """
    if last_session > today:
        raise ValueError("the last session cannot be after today")
    weeks = effective_interval(interval_weeks)
    return DueInfo(
        last_session=last_session,
        due_date=last_session + timedelta(weeks=weeks),
        today=today,
        interval_weeks=weeks,
    )


def format_due_date(d: date) -> str:
    """ "Tuesday 29 December 2026": week day, day, month name, year. Never "12/10"."""
    return format_long_date(d)


# The name the reply module uses; same function.
format_date = format_due_date


def _span(days: int) -> str:
    if days < 14:
        return f"{days} days"
    weeks, rest = divmod(days, 7)
    if rest == 0:
        return f"{weeks} weeks"
    return f"{weeks} weeks and {rest} day{'' if rest == 1 else 's'}"


def relative_phrase(days_away: int) -> str:
    """How far a date is from today, in words.

    0 "today", 1 "tomorrow", -1 "yesterday"; under two weeks in days ("in 4 days",
    "9 days ago"); from two weeks on in weeks, with the odd days ("in 5 weeks",
    "in 5 weeks and 3 days", "3 weeks ago").
    """
    if days_away == 0:
        return "today"
    if days_away == 1:
        return "tomorrow"
    if days_away == -1:
        return "yesterday"
    if days_away > 0:
        return f"in {_span(days_away)}"
    return f"{_span(-days_away)} ago"
