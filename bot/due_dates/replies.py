"""What the assistant says about due dates (plain functions, unit-tested)."""

from __future__ import annotations

import re
from datetime import date

from bot.channels.format import escape_markdown
from bot.due_dates.identity import LookupResult
from bot.due_dates.parsing import LAST_SESSION_MAX_AGE_DAYS, DateProblem, ParsedDate
from bot.due_dates.schedule import DEFAULT_INTERVAL_WEEKS, DueInfo, format_due_date, next_due

NOT_VERIFIED = (
    "Sorry, I couldn't match those details to a clinic record, so I can't share anything "
    "from it. Please check your reference and date of birth and try again, or call the clinic."
)
BAD_REFERENCE = (
    "That doesn't look like a clinic reference. It is on your appointment letter and looks "
    "like BTX-1234. What is your reference?"
)


def _due_sentence(info: DueInfo, phone: str) -> str:
    when = f"**{format_due_date(info.due_date)}**"
    if info.overdue:
        return (
            f"Your next session was due on {when} ({info.phrase}), so it "
            f"is overdue. Please call the clinic on {phone} to book."
        )
    if info.days_away == 0:
        return f"Your next session is due **today**, {format_due_date(info.due_date)}."
    return f"Your next session is due on {when}, {info.phrase}."


# "Have I missed my next one?", "am I overdue?": answered yes or no before the date.
MISSED_RE = re.compile(
    r"\b(miss(ed)?|overdue|late|behind|skipped|passed|gone past|too long)\b", re.IGNORECASE
)


def asks_if_missed(text: str) -> bool:
    return bool(MISSED_RE.search(text or ""))


def _missed_answer(info: DueInfo) -> str:
    if info.overdue:
        return "**Yes**, it looks like it is overdue. "
    return "**No**, you have not missed it. "


def reading_note(parsed: ParsedDate) -> str:
    """How a date was read when it could have been read otherwise, or ""."""
    if parsed.value is None:
        return ""
    if parsed.order_swapped:
        return (
            f'I read "{escape_markdown(parsed.matched)}" month first, as '
            f"{format_due_date(parsed.value)}: "
            "the other way round it is not a real date."
        )
    if parsed.several:
        return (
            "You gave more than one date; I took the most recent one before today, "
            f"{format_due_date(parsed.value)}."
        )
    return ""


def from_record(
    result: LookupResult, today: date, phone: str, *, asked_missed: bool = False
) -> str:
    if result.due is None:
        return (
            "Thank you, I found your record. There is no treatment session on record yet, "
            f"so I can't work out a due date. Please call the clinic on {phone} to book."
        )
    yes_no = _missed_answer(result.due) if asked_missed else ""
    return (
        f"Thank you, I found your record. {yes_no}{_due_sentence(result.due, phone)} "
        f"Sessions are {result.due.interval_weeks} weeks apart; the clinic confirms each "
        "appointment."
    )


def from_last_session(
    last: date,
    today: date,
    phone: str,
    interval_weeks: int = DEFAULT_INTERVAL_WEEKS,
    *,
    asked_missed: bool = False,
) -> str:
    """The next due date from a date the patient gave, with the clinic's interval (the
    same one the record look-up uses); "yes" or "no" first when they asked if they missed it."""
    info = next_due(last, today, interval_weeks)
    yes_no = _missed_answer(info) if asked_missed else ""
    return (
        f"{yes_no}If your last session was on {format_due_date(last)}, the next one is due "
        f"{info.interval_weeks} weeks later. {_due_sentence(info, phone)} "
        "Please check the date with the clinic when you book."
    )


def locked(phone: str) -> str:
    return (
        "For your security, I can't look up clinic records in this conversation any more. "
        f"Please call the clinic on {phone}. I can still work out the date from your last "
        "session, or answer questions about the treatment."
    )


def lookup_unavailable(phone: str) -> str:
    return (
        "Sorry, I can't reach the clinic records right now. Please try again shortly, or call "
        f"the clinic on {phone}."
    )


def birth_date_problem(parsed: ParsedDate) -> str:
    problem = parsed.error
    if problem is DateProblem.INCOMPLETE:
        return "Please give the whole date of birth, with the year: for example 15/03/1984."
    if problem is DateProblem.IMPOSSIBLE:
        return "That date doesn't exist. Please check the day and month, for example 15/03/1984."
    if problem is DateProblem.FUTURE:
        return "That date is in the future. What is your date of birth, for example 15/03/1984?"
    if problem is DateProblem.TOO_OLD:
        return "Please check the year of that date. What is your date of birth?"
    return (
        "Sorry, I couldn't read that as a date of birth. Please write it with the year, "
        "for example 15/03/1984 or 15 March 1984."
    )


def last_session_problem(parsed: ParsedDate, phone: str) -> str:
    problem = parsed.error
    if problem is DateProblem.INCOMPLETE:
        return "Which day was it? For example 6 October, or 06/10/2026."
    if problem is DateProblem.IMPOSSIBLE:
        return (
            "That date doesn't exist (for example, February has no 31st). Please check the "
            "day and month: when was your last session?"
        )
    if problem is DateProblem.FUTURE:
        return (
            f"I read that as {parsed.interpretation}, which is still to come. When was your "
            "last session?"
        )
    if problem is DateProblem.TOO_OLD:
        years = LAST_SESSION_MAX_AGE_DAYS // 365
        return (
            f"That was more than {years} years ago. After a long break, please talk to the "
            f"clinic on {phone} about your next treatment."
        )
    return (
        "Sorry, I couldn't read that date. You can write 6 October, 06/10/2026, "
        '"5 weeks ago" or "last Tuesday".'
    )
