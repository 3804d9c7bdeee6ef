"""The clinic context: the one place that decides the clinic's phone number, opening
hours, time zone, treatment interval and "today", for every module that needs them.

One rule for every detail: **the environment, then the clinic settings row, then the
documented default.** The environment is the deployment's pin (an operator who sets
``CLINIC_PHONE`` means it, and the admin page then shows that field as fixed by the
server's configuration); staff set the rest in the admin pages (``/admin/clinic``), and
their change is used from the next message on; the defaults make a fresh install work.

| detail | environment | clinic_settings column | default |
|---|---|---|---|
| phone | ``CLINIC_PHONE`` | ``phone`` (empty: not set) | ``020 7946 0000`` (a drama number) |
| opening times | ``CLINIC_OPENING_HOURS`` | ``opening_schedule`` | ``Mon-Fri 09:00-17:00`` |
| opening times in words | (follows the schedule used) | ``opening_hours`` | the schedule in words |
| time zone | ``CLINIC_TIMEZONE`` | ``timezone`` | ``Europe/London`` |
| interval | (none) | ``interval_weeks`` (12 to 52) | 12 weeks |

A database error gives the environment and the defaults (logged by its class only):
patients always get an answer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.db.models import ClinicSettings, load_clinic_settings
from bot.db.session import session_scope
from bot.due_dates.schedule import effective_interval
from bot.handoff.opening_hours import (
    DEFAULT_SCHEDULE,
    DEFAULT_TIMEZONE,
    Schedule,
    ScheduleError,
    describe,
    parse_schedule,
)
from bot.handoff.phone_numbers import format_phone
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)

# A number from Ofcom's range reserved for drama: clearly a demo value. A real clinic
# sets its own (admin page, or CLINIC_PHONE).
DEFAULT_PHONE = "020 7946 0000"

SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str
    schedule: Schedule
    hours_text: str  # "Monday to Friday, 9am to 5pm"
    zone: ZoneInfo
    interval_weeks: int
    # Which details the environment pins (the admin page shows them as fixed).
    pinned: frozenset[str]
    fixed_today: date | None = None
    fixed_now: datetime | None = None

    def now(self) -> datetime:
        """Now in the clinic's time zone (``BOT_FIXED_NOW`` pins it)."""
        if self.fixed_now is not None:
            fixed = self.fixed_now
            return fixed.astimezone(self.zone) if fixed.tzinfo else fixed.replace(tzinfo=self.zone)
        return datetime.now(self.zone)

    def today(self) -> date:
        """The clinic's date: its day starts at midnight in its time zone
        (``BOT_FIXED_TODAY`` pins it)."""
        if self.fixed_today is not None:
            return self.fixed_today
        return self.now().date()


def zone_named(name: str | None) -> ZoneInfo:
    """The named time zone; an unknown name is logged and the default used."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown clinic time zone; using %s", DEFAULT_TIMEZONE)
        return ZoneInfo(DEFAULT_TIMEZONE)


def first_schedule(*sources: str | None) -> Schedule:
    """The first readable schedule of ``sources``, else the default. An unreadable one is
    logged (what is wrong, no more) and the next is used."""
    for source in sources:
        if not source:
            continue
        try:
            return parse_schedule(source)
        except ScheduleError as exc:
            logger.warning("opening schedule ignored: %s", exc)
    return parse_schedule(DEFAULT_SCHEDULE)


def resolve(settings: Settings, row: ClinicSettings | None) -> Clinic:
    """The clinic context from the environment's settings and the settings row (None: no
    row could be read). Pure: no database, no clock."""
    pinned = {
        name
        for name, value in (
            ("phone", settings.clinic_phone),
            ("opening_schedule", settings.clinic_opening_hours),
            ("timezone", settings.clinic_timezone),
        )
        if value
    }
    schedule = first_schedule(settings.clinic_opening_hours, row and row.opening_schedule)
    words = (row.opening_hours or "").strip() if row is not None else ""
    if settings.clinic_opening_hours or not words:
        words = describe(schedule)  # the words follow the schedule actually used
    return Clinic(
        name=settings.clinic_name,
        phone=settings.clinic_phone
        or (row.phone.strip() if row and row.phone else "")
        or DEFAULT_PHONE,
        schedule=schedule,
        hours_text=words,
        zone=zone_named(settings.clinic_timezone or (row.timezone if row else None)),
        interval_weeks=effective_interval(row.interval_weeks if row else None),
        pinned=frozenset(pinned),
        fixed_today=date.fromisoformat(settings.fixed_today) if settings.fixed_today else None,
        fixed_now=datetime.fromisoformat(settings.fixed_now) if settings.fixed_now else None,
    )


def clinic_context(
    session: Session | None = None,
    settings: Settings | None = None,
    session_factory: SessionFactory | None = None,
) -> Clinic:
    """The clinic context now, read with ``session`` (or a new unit of work)."""
    settings = settings or load_settings()
    if session is not None:
        return resolve(settings, load_clinic_settings(session))
    try:
        scope = session_factory() if session_factory else session_scope(settings.database_url)
        with scope as own:
            row = load_clinic_settings(own)
            return resolve(settings, row)
    except Exception as exc:  # the clinic database is down: the environment and defaults
        logger.error("clinic settings unavailable: %s", type(exc).__name__)
        return resolve(settings, None)


# --- what staff set on the clinic page (/admin/clinic) ------------------------------------

# The settings row's columns staff edit on the clinic page, and their limits.
EDITABLE = ("phone", "opening_schedule", "opening_hours")
PHONE_MAX = 40  # clinic_settings.phone
SCHEDULE_MAX = 200  # clinic_settings.opening_schedule
HOURS_WORDS_MAX = 120  # read in one chat sentence: "The clinic is open ..."


@dataclass(frozen=True)
class ClinicDetails:
    """The clinic page's fields, as stored in the settings row."""

    phone: str
    opening_schedule: str
    opening_hours: str  # the opening times in staff's own words; empty: the schedule's


def details_of(row: ClinicSettings) -> ClinicDetails:
    return ClinicDetails(
        phone=row.phone or "",
        opening_schedule=row.opening_schedule or DEFAULT_SCHEDULE,
        opening_hours=row.opening_hours or "",
    )


def locked_fields(clinic: Clinic) -> frozenset[str]:
    """The clinic page's fields that the environment fixes. The words follow a pinned
    schedule (``resolve``), so they are fixed with it."""
    locked = set(clinic.pinned & set(EDITABLE))
    if "opening_schedule" in locked:
        locked.add("opening_hours")
    return frozenset(locked)


def _one_line(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def check_phone(text: str, region: str) -> tuple[str, str | None]:
    """The clinic's number formatted as patients will read it, or the text and what is
    wrong with it. Read as a number in ``region`` (``PHONE_REGION``) unless it starts with
    a country code."""
    if not text:
        return text, "Type the clinic's phone number: patients are given it in many answers."
    if len(text) > PHONE_MAX:
        return text, f"The phone number is too long (at most {PHONE_MAX} characters)."
    formatted = format_phone(text, region)
    if formatted is None:
        return text, (
            f"{text!r} is not a phone number patients can call. Type it in full with the "
            "area code (for example 020 7946 0000), or with the country code "
            "(+44 20 7946 0000)."
        )
    return formatted, None


def check_schedule(text: str) -> str | None:
    """What is wrong with an opening schedule, in plain words (None: nothing)."""
    if not text:
        return "Type the opening times, for example Mon-Fri 09:00-17:00."
    if len(text) > SCHEDULE_MAX:
        return f"The opening times are too long (at most {SCHEDULE_MAX} characters)."
    try:
        parse_schedule(text)
    except ScheduleError as exc:
        return (
            f"The opening times cannot be read: {exc}. Write them as days and 24-hour times, "
            "parts separated by ';', for example Mon-Thu 08:30-18:00; Fri 08:30-16:00."
        )
    return None


def check_hours_words(text: str) -> str | None:
    if len(text) > HOURS_WORDS_MAX:
        return f"The opening times in words are too long (at most {HOURS_WORDS_MAX} characters)."
    if "<" in text or ">" in text:
        return "The opening times in words cannot contain < or >: write plain words."
    return None


def check_details(
    form: Mapping[str, object], current: ClinicDetails, locked: frozenset[str], region: str
) -> tuple[ClinicDetails, dict[str, str]]:
    """The clinic page's form, checked: the details to save (a locked field keeps its
    ``current`` value, whatever was sent) and what is wrong, by field."""
    errors: dict[str, str] = {}
    values = {name: getattr(current, name) for name in EDITABLE}
    if "phone" not in locked:
        values["phone"], problem = check_phone(_one_line(form.get("phone")), region)
        if problem:
            errors["phone"] = problem
    if "opening_schedule" not in locked:
        values["opening_schedule"] = _one_line(form.get("opening_schedule"))
        if problem := check_schedule(values["opening_schedule"]):
            errors["opening_schedule"] = problem
    if "opening_hours" not in locked:
        values["opening_hours"] = _one_line(form.get("opening_hours"))
        if problem := check_hours_words(values["opening_hours"]):
            errors["opening_hours"] = problem
    return ClinicDetails(**values), errors


def with_details(row: ClinicSettings, details: ClinicDetails) -> ClinicSettings:
    """A detached copy of ``row`` holding ``details`` (for a preview: nothing is saved)."""
    return ClinicSettings(
        id=1,
        interval_weeks=row.interval_weeks,
        timezone=row.timezone,
        phone=details.phone,
        opening_schedule=details.opening_schedule,
        opening_hours=details.opening_hours,
    )


def save_details(
    session: Session, details: ClinicDetails, locked: frozenset[str]
) -> dict[str, tuple[str, str]]:
    """Store the clinic page's details in the settings row (created if missing), except the
    locked fields. Returns what changed: field -> (before, after)."""
    row = load_clinic_settings(session)
    changes: dict[str, tuple[str, str]] = {}
    for name in EDITABLE:
        before, after = getattr(row, name) or "", getattr(details, name)
        if name not in locked and before != after:
            setattr(row, name, after)
            changes[name] = (before, after)
    if changes:
        session.add(row)  # the row load_clinic_settings made up when there was none
    return changes
