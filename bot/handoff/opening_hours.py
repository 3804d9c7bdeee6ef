"""The clinic's opening times: when it is open, and when it will next open.

A schedule is written the way a clinic writes it on a door, one or more parts separated
by ``;``::

    Mon-Fri 09:00-17:00
    Mon-Thu 08:30-18:00; Fri 08:30-16:00; Sat 09:00-12:00

Days are ``Mon Tue Wed Thu Fri Sat Sun`` (a range ``Mon-Fri`` or a list ``Mon,Wed``);
times are 24-hour ``HH:MM``. Which schedule is used, and the clinic's time zone, is
decided in ``bot.clinic`` (environment, then the clinic settings row, then the default).

Everything here takes ``now`` as an argument (a time-zone aware datetime in the clinic's
zone); ``Clinic.now()`` gives it, and ``BOT_FIXED_NOW=2026-11-28T10:00`` pins it for tests
and demos.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

logger = logging.getLogger(__name__)

DEFAULT_SCHEDULE = "Mon-Fri 09:00-17:00"
DEFAULT_TIMEZONE = "Europe/London"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_PART_RE = re.compile(
    r"^\s*(?P<days>[a-z,\s-]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$",
    re.IGNORECASE,
)


class ScheduleError(ValueError):
    """The opening schedule cannot be read; the message says why, in plain words."""


@dataclass(frozen=True)
class Schedule:
    # weekday (0 = Monday) -> (opens, closes); a day absent is closed.
    hours: dict[int, tuple[time, time]]

    def opens_on(self, day: date) -> tuple[time, time] | None:
        return self.hours.get(day.weekday())


def _parse_time(text: str) -> time:
    hours, minutes = (int(x) for x in text.split(":"))
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ScheduleError(f"{text!r} is not a time of day (HH:MM, 24-hour)")
    return time(hours, minutes)


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for chunk in text.lower().replace(" ", "").split(","):
        if not chunk:
            continue
        first, _, last = chunk.partition("-")
        try:
            start = DAYS.index(first[:3])
            end = DAYS.index(last[:3]) if last else start
        except ValueError:
            raise ScheduleError(f"{chunk!r} is not a day or a range of days (Mon-Fri)") from None
        if end < start:
            raise ScheduleError(f"{chunk!r}: the range must run forwards (Mon-Fri)")
        days.extend(range(start, end + 1))
    if not days:
        raise ScheduleError("no days given")
    return days


def parse_schedule(text: str) -> Schedule:
    """Read a schedule (module docstring). Raises ``ScheduleError`` if it cannot."""
    hours: dict[int, tuple[time, time]] = {}
    parts = [p for p in (text or "").split(";") if p.strip()]
    if not parts:
        raise ScheduleError("the opening schedule is empty")
    for part in parts:
        match = _PART_RE.match(part)
        if not match:
            raise ScheduleError(f"{part.strip()!r} should look like 'Mon-Fri 09:00-17:00'")
        opens, closes = _parse_time(match["start"]), _parse_time(match["end"])
        if closes <= opens:
            raise ScheduleError(f"{part.strip()!r}: closing time must be after opening time")
        for day in _parse_days(match["days"]):
            hours[day] = (opens, closes)
    return Schedule(hours=hours)


def say_time(value: time) -> str:
    """9am, 5:30pm, 12pm."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def describe(schedule: Schedule) -> str:
    """The schedule in words: 'Monday to Friday, 9am to 5pm'."""
    groups: list[tuple[list[int], tuple[time, time]]] = []
    for day in sorted(schedule.hours):
        span = schedule.hours[day]
        if groups and groups[-1][1] == span and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], span))
    texts = []
    for days, (opens, closes) in groups:
        if len(days) == 1:
            named = DAY_NAMES[days[0]]
        elif len(days) == 2:
            named = f"{DAY_NAMES[days[0]]} and {DAY_NAMES[days[1]]}"
        else:
            named = f"{DAY_NAMES[days[0]]} to {DAY_NAMES[days[-1]]}"
        texts.append(f"{named}, {say_time(opens)} to {say_time(closes)}")
    return "; ".join(texts)


def is_open(schedule: Schedule, now: datetime) -> bool:
    span = schedule.opens_on(now.date())
    return span is not None and span[0] <= now.time() < span[1]


def closing_time(schedule: Schedule, now: datetime) -> time | None:
    """When the clinic closes today, if it is open now."""
    span = schedule.opens_on(now.date())
    return span[1] if span is not None and is_open(schedule, now) else None


def next_opening(schedule: Schedule, now: datetime) -> datetime | None:
    """The next time the clinic opens after ``now`` (None: the schedule has no open day)."""
    for offset in range(0, 8):
        day = now.date() + timedelta(days=offset)
        span = schedule.opens_on(day)
        if span is None:
            continue
        opening = datetime.combine(day, span[0], tzinfo=now.tzinfo)
        if opening > now:
            return opening
    return None


def say_when(moment: datetime, now: datetime) -> str:
    """'today at 9am', 'tomorrow (Wednesday 25 November) at 9am', 'Monday 30 November at 9am'."""
    day = moment.date()
    full = f"{DAY_NAMES[day.weekday()]} {day.day} {moment.strftime('%B')}"
    if day == now.date():
        return f"today at {say_time(moment.time())}"
    if day == now.date() + timedelta(days=1):
        return f"tomorrow ({full}) at {say_time(moment.time())}"
    return f"{full} at {say_time(moment.time())}"
