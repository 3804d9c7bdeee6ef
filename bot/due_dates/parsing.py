"""Reading dates the way patients write them: "6 October", "06/10/2026", "5 weeks ago".

Two entry points, both pure (``today`` is always passed in, never looked up):

- ``parse_date(text, today)`` for the date of a past treatment session;
- ``parse_birth_date(text, today)`` for a date of birth.

Each returns a ``ParsedDate``: ``value`` is the date, or None with ``error`` saying why
(``DateProblem``: EMPTY, UNREADABLE, IMPOSSIBLE, INCOMPLETE, FUTURE, TOO_OLD). ``read_as``
keeps the date that was understood even when it was rejected (FUTURE, TOO_OLD), so a reply
can say "6 October 2027 is still to come".

How the text is read, in order (the first that matches wins; words around the date are
ignored, "it was on 6 October I think" reads as 6 October):

1. ISO ``2026-10-06`` (always year-month-day);
2. numbers ``06/10/2026``, ``6.10.26``, ``6-10-2026``, ``15 03 1984``: day and month in
   the clinic's order (below); parts out of range (``31/02/2026``, ``13/13/2026``) are
   IMPOSSIBLE, never silently swapped;
3. words ``6 October``, ``6th of Oct 2026``, ``October 6, 2026``, ``the sixth of October``
   (a day that the month never has, "30 February", is IMPOSSIBLE);
4. numbers without a year, ``6/10`` (slash only);
5. ``Tuesday last week`` (that day in the previous calendar week), ``the day before
   yesterday``;
6. relative phrases through dateparser, with "ago", "last", "next" or "in": ``5 weeks
   ago``, ``3 months ago``, ``a fortnight ago``, ``a couple of weeks ago``, ``last week``
   (vague ones, "a few weeks ago", are UNREADABLE: we ask for a date rather than guess);
7. ``today``, ``yesterday``; then week days: ``last Tuesday``, ``on Tuesday`` (the most
   recent one before today), ``this Tuesday`` (today counts);
8. a month without a day (``in March``) or a day without a month (``on the 6th``) is
   INCOMPLETE; anything else is UNREADABLE.

A date without a year means its most recent occurrence up to today ("6 December" said on
24 November 2026 is 6 December 2025). Two-digit years are 20xx for session dates; for
birth dates 20xx unless that is in the future, then 19xx.

The order of day and month in ambiguous numeric dates follows the clinic setting
``DATE_ORDER`` (environment variable): ``DMY`` (default, UK: 06/10/2026 is 6 October) or
``MDY`` (US: 06/10/2026 is 10 June). Callers may pass ``day_first`` to override it.
"""

from __future__ import annotations

import calendar
import dataclasses
import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.settings import load_settings

# A last-session date further back than this is TOO_OLD (about two years).
LAST_SESSION_MAX_AGE_DAYS = 730
# A date of birth giving an age above this is TOO_OLD.
MAX_AGE_YEARS = 120
# Longer messages are not searched for a date (UNREADABLE): a date is a short answer.
MAX_TEXT_LENGTH = 300

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class DateProblem(str, enum.Enum):
    EMPTY = "empty"  # nothing was typed
    UNREADABLE = "unreadable"  # no date found in the text
    IMPOSSIBLE = "impossible"  # 31/02/2026, 13/13/2026, 30 February
    INCOMPLETE = "incomplete"  # "in March" (no day); a birth date without a year
    FUTURE = "future"  # after today
    TOO_OLD = "too_old"  # session: more than max_days_ago; birth: age over 120


@dataclass(frozen=True)
class ParsedDate:
    """A date read from text, or why none could be.

    ``value``: the accepted date (None on error). ``error``: why not. ``read_as``: the date
    understood, also when rejected as FUTURE or TOO_OLD. ``matched``: the words read as a
    date (lower case, normalised). ``year_assumed``: no year was given.
    """

    value: date | None = None
    error: DateProblem | None = None
    read_as: date | None = None
    matched: str = ""
    year_assumed: bool = False
    # Read in the other day/month order than the clinic's, because the clinic's order
    # gives a day that does not exist (11/23/2026 in a day-first clinic): the reply says so.
    order_swapped: bool = False
    # Several dates were written; the most recent past one was taken.
    several: bool = False

    @property
    def ok(self) -> bool:
        return self.value is not None

    @property
    def interpretation(self) -> str:
        """The date understood, written out in full ("Tuesday 6 October 2026"), or ""."""
        return format_long_date(self.read_as) if self.read_as else ""


def format_long_date(d: date) -> str:
    """An unmistakable date: "Tuesday 29 December 2026" (English whatever the locale)."""
    return f"{WEEKDAY_NAMES[d.weekday()]} {d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def date_order_from_env() -> str:
    """The clinic's order for numeric dates: ``DATE_ORDER`` = DMY (default) or MDY."""
    value = load_settings().date_order
    if value not in ("DMY", "MDY"):
        raise ValueError(f"DATE_ORDER must be DMY or MDY, not {value!r}")
    return value


def _day_first(day_first: bool | None) -> bool:
    return date_order_from_env() == "DMY" if day_first is None else day_first


# --- normalising the text ---------------------------------------------------------------

_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
_ORDINAL_RE = re.compile(r"\b(?:(twenty|thirty)[\s-])?(" + "|".join(_ORDINAL_WORDS) + r")\b")
_REPLACEMENTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:a|one)\s+fortnight\b"), "2 weeks"),
    (re.compile(r"\bfortnight\b"), "2 weeks"),
    (re.compile(r"\b(?:a\s+)?couple\s+(?:of\s+)?"), "2 "),
    (re.compile(r"\bwks?\b"), "weeks"),
    (re.compile(r"\b(?:mths?|mnths?|mos?)\b"), "months"),
    (re.compile(r"\byrs?\b"), "years"),
    (re.compile(r"\b(days?|weeks?|months?|years?)\s+(?:back|before now|previously)\b"), r"\1 ago"),
]


def _ordinal_to_number(match: re.Match[str]) -> str:
    number = {"twenty": 20, "thirty": 30}.get(match.group(1) or "", 0)
    number += _ORDINAL_WORDS[match.group(2)]
    suffix = "th" if 10 < number % 100 < 14 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _normalise(text: str) -> str:
    text = text.lower()
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)  # dashes
    text = re.sub(r"[\u2018\u2019\u02bc`]", "'", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _ORDINAL_RE.sub(_ordinal_to_number, text)
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return text


# --- building candidate dates ----------------------------------------------------------

_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_ORD = r"(?:st|nd|rd|th)?"


def _month_number(name: str) -> int:
    return [m.lower()[:3] for m in MONTH_NAMES].index(name[:3]) + 1


def _never_valid(month: int, day: int) -> bool:
    """True for a day the month never has (31 April, 30 February); 29 February is valid."""
    return not (1 <= month <= 12) or not (1 <= day <= calendar.monthrange(2000, month)[1])


@dataclass(frozen=True)
class _Found:
    """A date found in the text, before the checks that depend on its use."""

    matched: str
    year: int | None  # None: no year given
    month: int
    day: int
    two_digit_year: bool = False
    order_swapped: bool = False


@dataclass(frozen=True)
class _Relative:
    """A date worked out from today (week days, "yesterday", "5 weeks ago")."""

    matched: str
    value: date


def _expand_year(yy: int, today: date, *, birth: bool) -> int:
    year = 2000 + yy
    if birth and year > today.year:
        year -= 100
    return year


def _find_absolute(text: str, day_first: bool, *, swap: bool = True) -> _Found | None:
    """The first written date in ``text``: ISO, numeric, or with a month name. ``swap``:
    read a numeric date in the other order when the clinic's gives a day that never exists."""
    match = re.search(r"(?<![\d/.-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/.-]?\d)", text)
    if match:
        return _Found(match.group(0), int(match[1]), int(match[3]), int(match[4]))

    match = re.search(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.-]?\d)", text)
    if not match:
        match = re.search(r"(?<![\d/.-])(\d{1,2})( )(\d{1,2}) (\d{4})(?!\d)", text)
    if match:
        first, second = int(match[1]), int(match[3])
        day, month, swapped = _numeric_order(first, second, day_first, swap)
        year_text = match[4]
        return _Found(match.group(0), int(year_text), month, day, len(year_text) == 2, swapped)

    day_month = re.search(
        r"(?<![\d/.-])(\d{1,2})"
        + _ORD
        + r"(?:\s+of)?[\s/-]*"
        + _MONTH
        + r"(?:(?:[\s,]+(\d{4}))|(?:\s*[/-]\s*|\s*')(\d{2}|\d{4}))?(?![\d/]|-\d)",
        text,
    )
    month_day = re.search(
        _MONTH + r"[\s/-]*(?:the\s+)?(\d{1,2})" + _ORD + r"(?![\d/:]|-\d)"
        r"(?:(?:\s*,\s*|\s+)(\d{4})(?!\d))?",
        text,
    )
    found = [m for m in (day_month, month_day) if m]
    if found:
        match = min(found, key=lambda m: m.start())
        if match is day_month:
            day_text, month_name, year4, year_other = match[1], match[2], match[3], match[4]
        else:
            month_name, day_text, year4, year_other = match[1], match[2], match[3], None
        named_year: str | None = year4 or year_other
        return _Found(
            match.group(0).strip(),
            int(named_year) if named_year else None,
            _month_number(month_name),
            int(day_text),
            named_year is not None and len(named_year) == 2,
        )

    match = re.search(r"(?<![\d/.-])(\d{1,2})/(\d{1,2})(?![\d/])", text)
    if match:
        first, second = int(match[1]), int(match[2])
        day, month, swapped = _numeric_order(first, second, day_first, swap)
        return _Found(match.group(0), None, month, day, order_swapped=swapped)
    return None


def _numeric_order(
    first: int, second: int, day_first: bool, swap: bool = True
) -> tuple[int, int, bool]:
    """(day, month, swapped) of a numeric date: the clinic's order, unless that gives a
    day that never exists and the other order does not (11/23/2026 read day first)."""
    day, month = (first, second) if day_first else (second, first)
    if swap and _never_valid(month, day) and not _never_valid(day, month):
        return month, day, True
    return day, month, False


def _find_all_absolute(text: str, day_first: bool, limit: int = 5) -> list[_Found]:
    """Every written date in ``text``, in order (at most ``limit``)."""
    found: list[_Found] = []
    rest = text
    while len(found) < limit:
        one = _find_absolute(rest, day_first)
        if one is None or not one.matched:
            break
        found.append(one)
        rest = rest.replace(one.matched, " " * len(one.matched), 1)
    return found


_WEEKDAY = (
    r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|(?:mon|tues?|wed|weds|thur|thurs|thu|fri|sat|sun)\.?(?=\s|$|[,.!?]))"
)
_WEEKDAY_ABBREVIATIONS = {"tues": "tue", "weds": "wed", "thur": "thu", "thurs": "thu"}


def _weekday_number(name: str) -> int:
    name = name.rstrip(".")
    name = _WEEKDAY_ABBREVIATIONS.get(name, name[:3])
    return [w.lower()[:3] for w in WEEKDAY_NAMES].index(name)


def _find_weekday_last_week(text: str, today: date) -> _Relative | None:
    """ "Tuesday last week", "last week on Tuesday": that day in the previous calendar week."""
    match = re.search(r"\b" + _WEEKDAY + r"\s+(?:of\s+)?last\s+week\b", text) or re.search(
        r"\blast\s+week\s+(?:on\s+)?" + _WEEKDAY, text
    )
    if match is None:
        return None
    monday_last_week = today - timedelta(days=today.weekday() + 7)
    return _Relative(match.group(0), monday_last_week + timedelta(_weekday_number(match[1])))


def _find_weekday(text: str, today: date) -> _Relative | None:
    """ "last Tuesday", "on Tuesday": the most recent one before today; "this Tuesday":
    today counts. Full names stand alone; abbreviations ("sat", "wed") only after a word
    that makes them a day ("last sat"), as alone they are usually something else."""
    for match in re.finditer(r"\b(?:(last|past|this|on)\s+)?" + _WEEKDAY, text):
        qualifier, name = match[1], match[2]
        if qualifier is None and not name.endswith("day"):
            continue
        back = (today.weekday() - _weekday_number(name)) % 7
        if back == 0 and qualifier != "this":
            back = 7  # "last Tuesday" / "on Tuesday" said on a Tuesday: a week ago
        return _Relative(match.group(0), today - timedelta(days=back))
    return None


def _find_day_before_yesterday(text: str, today: date) -> _Relative | None:
    match = re.search(r"\b(?:the\s+)?day\s+before\s+yesterday\b", text)
    return _Relative(match.group(0), today - timedelta(days=2)) if match else None


def _find_yesterday_or_today(text: str, today: date) -> _Relative | None:
    match = re.search(r"\b(yesterday|today|this\s+morning|this\s+afternoon)\b", text)
    if match is None:
        return None
    return _Relative(match.group(0), today - timedelta(days=match[1] == "yesterday"))


# "a few weeks ago", "some months ago", "a while ago": we ask for a date rather than guess.
_VAGUE = re.compile(
    r"\b(?:few|several|some|many)\s+(?:of\s+)?(?:days?|weeks?|months?|years?)\b"
    r"|\ba\s+while\b|\bages\s+ago\b"
)
# A phrase from dateparser counts only with one of these words: "10 days" alone, or
# "a week" in "twice a week", is not a date.
_RELATIVE_WORDS = re.compile(r"\b(?:ago|last|next|in)\b")


def _find_with_dateparser(text: str, today: date, day_first: bool) -> _Relative | None:
    """Relative phrases ("5 weeks ago", "3 months ago", "last month") via dateparser.

    Only phrases with a relative word are taken from dateparser: written dates are read
    above (dateparser reads 2026-10-06 as 10 June under DMY, and month names alone as the
    1st), and bare numbers ("12") are not dates.
    """
    if _VAGUE.search(text) or not _RELATIVE_WORDS.search(text):
        return None
    from dateparser.search import search_dates  # imported late: it loads slowly

    settings = {
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY" if day_first else "MDY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    found = search_dates(text, languages=["en"], settings=settings) or []
    for matched, value in found:
        if _RELATIVE_WORDS.search(matched.lower()) and not re.search(_MONTH, matched.lower()):
            return _Relative(matched.strip(), value.date())
    return None


def _find_incomplete(text: str) -> str | None:
    """A month without a day ("in March", "October 2026") or a day without a month
    ("on the 6th"): the words, or None."""
    match = re.search(r"\bthe\s+\d{1,2}(?:st|nd|rd|th)\b", text)
    if match:
        return match.group(0)
    match = re.search(r"\b(?:in|of|during|early|mid|late|end\s+of|start\s+of)\s+" + _MONTH, text)
    match = match or re.search(_MONTH + r"\s*,?\s*\d{4}\b", text)
    if match is None:
        match = re.search(r"\b" + _MONTH, text)
        if match is not None and match[1] == "may":  # "it may be": a verb, not a month
            return None
    return match.group(0) if match else None


# --- the two entry points ------------------------------------------------------------


def _checked_text(text: str | None) -> str | DateProblem:
    if text is None or not str(text).strip():
        return DateProblem.EMPTY
    text = str(text)
    if len(text) > MAX_TEXT_LENGTH:
        return DateProblem.UNREADABLE
    return _normalise(text)


def _resolve_year(found: _Found, today: date) -> date | None:
    """A year-less day and month: its most recent occurrence up to today."""
    for year in range(today.year, today.year - 9, -1):
        try:
            candidate = date(year, found.month, found.day)
        except ValueError:
            continue  # 29 February outside a leap year
        if candidate <= today:
            return candidate
    return None


def parse_date(
    text: str | None,
    today: date,
    *,
    day_first: bool | None = None,
    max_days_ago: int = LAST_SESSION_MAX_AGE_DAYS,
) -> ParsedDate:
    """A past date (a treatment session) from free text, as of ``today``.

    ``day_first``: True reads 06/10 as 6 October, False as June 10; None (default) follows
    ``DATE_ORDER``. ``max_days_ago``: older dates are TOO_OLD (default about two years).
    Today itself is accepted; a later date is FUTURE. See the module docstring for what is
    understood.
    """
    checked = _checked_text(text)
    if isinstance(checked, DateProblem):
        return ParsedDate(error=checked)
    normalised, first = checked, _day_first(day_first)

    written = _find_all_absolute(normalised, first)
    if written:
        readings = [_read_absolute(f, today, max_days_ago) for f in written]
        accepted = [r for r in readings if r.ok]
        if len(written) > 1 and accepted:
            # "I had one on 14 July and another on 6 October": the most recent past one.
            latest = max(accepted, key=lambda r: r.read_as or date.min)
            return dataclasses.replace(latest, several=True)
        return readings[0]

    # Order matters: "Monday last week" before dateparser's "last week"; "6 weeks ago
    # today" and "a Tuesday, 5 weeks ago" are 6 and 5 weeks ago, not today or last Tuesday.
    finders: list[Callable[[], _Relative | None]] = [
        lambda: _find_weekday_last_week(normalised, today),
        lambda: _find_day_before_yesterday(normalised, today),
        lambda: _find_with_dateparser(normalised, today, first),
        lambda: _find_yesterday_or_today(normalised, today),
        lambda: _find_weekday(normalised, today),
    ]
    for finder in finders:
        relative = finder()
        if relative is not None:
            parsed = ParsedDate(read_as=relative.value, matched=relative.matched)
            return _check_past(parsed, today, max_days_ago)

    incomplete = _find_incomplete(normalised)
    if incomplete:
        return ParsedDate(error=DateProblem.INCOMPLETE, matched=incomplete)
    return ParsedDate(error=DateProblem.UNREADABLE)


def _read_absolute(found: _Found, today: date, max_days_ago: int) -> ParsedDate:
    """A written date checked as a past session date."""
    if _never_valid(found.month, found.day):
        return ParsedDate(error=DateProblem.IMPOSSIBLE, matched=found.matched)
    swapped = found.order_swapped
    if found.year is None:
        value = _resolve_year(found, today)
        if value is None:
            return ParsedDate(error=DateProblem.UNREADABLE, matched=found.matched)
        parsed = ParsedDate(
            read_as=value, matched=found.matched, year_assumed=True, order_swapped=swapped
        )
        return _check_past(parsed, today, max_days_ago)
    year = _expand_year(found.year, today, birth=False) if found.two_digit_year else found.year
    try:
        value = date(year, found.month, found.day)
    except ValueError:  # 29 February in a year that has none
        return ParsedDate(error=DateProblem.IMPOSSIBLE, matched=found.matched)
    parsed = ParsedDate(read_as=value, matched=found.matched, order_swapped=swapped)
    return _check_past(parsed, today, max_days_ago)


def _check_past(parsed: ParsedDate, today: date, max_days_ago: int) -> ParsedDate:
    assert parsed.read_as is not None
    if parsed.read_as > today:
        return _rejected(parsed, DateProblem.FUTURE)
    if (today - parsed.read_as).days > max_days_ago:
        return _rejected(parsed, DateProblem.TOO_OLD)
    return dataclasses.replace(parsed, value=parsed.read_as, error=None)


def _rejected(parsed: ParsedDate, error: DateProblem) -> ParsedDate:
    return dataclasses.replace(parsed, value=None, error=error)


def age_on(birth: date, today: date) -> int:
    """Age in whole years on ``today``."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def parse_birth_date(
    text: str | None,
    today: date,
    *,
    day_first: bool | None = None,
    max_age_years: int = MAX_AGE_YEARS,
) -> ParsedDate:
    """A date of birth written any common way: "15/03/1984", "15 March 1984",
    "1984-03-15", "March 15, 1984", "15.03.84".

    Only written dates count (no "yesterday"); a day and month without a year is
    INCOMPLETE; after ``today`` is FUTURE; an age above ``max_age_years`` is TOO_OLD.
    ``day_first`` as in ``parse_date``.
    """
    checked = _checked_text(text)
    if isinstance(checked, DateProblem):
        return ParsedDate(error=checked)
    # The identity check takes the clinic's order only (no guessing with a birth date).
    found = _find_absolute(checked, _day_first(day_first), swap=False)
    if found is None:
        return ParsedDate(error=DateProblem.UNREADABLE)
    if _never_valid(found.month, found.day):
        return ParsedDate(error=DateProblem.IMPOSSIBLE, matched=found.matched)
    if found.year is None:
        return ParsedDate(error=DateProblem.INCOMPLETE, matched=found.matched)
    year = _expand_year(found.year, today, birth=True) if found.two_digit_year else found.year
    try:
        value = date(year, found.month, found.day)
    except ValueError:
        return ParsedDate(error=DateProblem.IMPOSSIBLE, matched=found.matched)
    parsed = ParsedDate(read_as=value, matched=found.matched, order_swapped=found.order_swapped)
    if value > today:
        return _rejected(parsed, DateProblem.FUTURE)
    if age_on(value, today) > max_age_years:
        return _rejected(parsed, DateProblem.TOO_OLD)
    return dataclasses.replace(parsed, value=value)


def parse_record_date(text: str | None, *, day_first: bool | None = None) -> date | None:
    """A date in a clinic export: ISO ``2026-10-06`` or numeric with a four-digit year
    (``06/10/2026``, day and month in the clinic's order). None if it is not one.

    Stricter than ``parse_date``: no words, no two-digit years, no guessing.
    """
    text = (text or "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if match:
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    else:
        match = re.fullmatch(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", text)
        if match is None:
            return None
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        day, month = (first, second) if _day_first(day_first) else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        return None
