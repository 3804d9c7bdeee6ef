"""Demo data and default clinic settings, for the embedded default and demos.

Three demo patients (as of 24 November 2026, the date the demos pin with
``BOT_FIXED_TODAY=2026-11-24``):

============  =============  ============  =========================================
reference     date of birth  last session  what the assistant says
============  =============  ============  =========================================
BTX-1001      15/03/1984     06/10/2026    next due Tuesday 29 December 2026 (5 weeks)
BTX-1002      30/07/1969     none          no session on record: call the clinic
BTX-1003      02/12/1991     14/07/2026    was due 6 October 2026: overdue
============  =============  ============  =========================================

``seed_demo_data(session, today=...)`` moves the session dates so that they stand in the
same relation to ``today`` (7 and 19 weeks before it), for demos on another date.
Patients are only added to a database that has none; the clinic settings row is added
whenever it is missing (phone from ``CLINIC_PHONE``, see ``bot.settings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import (
    DEFAULT_INTERVAL_WEEKS,
    DEFAULT_TIMEZONE,
    ClinicSettings,
    Patient,
    SessionStatus,
    TreatmentSession,
)
from bot.settings import load_settings

DEMO_TODAY = date(2026, 11, 24)
DEFAULT_OPENING_HOURS = "Monday to Friday, 9am to 5pm"


@dataclass(frozen=True)
class DemoPatient:
    reference: str
    date_of_birth: date
    last_session: date | None


DEMO_PATIENTS = (
    DemoPatient("BTX-1001", date(1984, 3, 15), date(2026, 10, 6)),
    DemoPatient("BTX-1002", date(1969, 7, 30), None),
    DemoPatient("BTX-1003", date(1991, 12, 2), date(2026, 7, 14)),
)


def ensure_clinic_settings(session: Session) -> bool:
    """Add the clinic settings row with its defaults if there is none. True if added."""
    if session.get(ClinicSettings, 1) is not None:
        return False
    session.add(
        ClinicSettings(
            id=1,
            interval_weeks=DEFAULT_INTERVAL_WEEKS,
            timezone=DEFAULT_TIMEZONE,
            phone="",  # not set: bot.clinic uses CLINIC_PHONE, else the default
            opening_hours=DEFAULT_OPENING_HOURS,
        )
    )
    session.flush()
    return True


def seed_demo_data(session: Session, today: date | None = None) -> bool:
    """Add the demo patients if there are no patients at all; True if they were added.

    ``today`` (optional) shifts the session dates to keep their distance from
    ``DEMO_TODAY``; without it the dates are those in the table above.
    """
    ensure_clinic_settings(session)
    if session.execute(select(func.count(Patient.id))).scalar_one():
        return False
    shift = (today - DEMO_TODAY) if today is not None else None
    for demo in DEMO_PATIENTS:
        patient = Patient(reference=demo.reference, date_of_birth=demo.date_of_birth)
        if demo.last_session is not None:
            when = demo.last_session + shift if shift is not None else demo.last_session
            patient.sessions.append(
                TreatmentSession(session_date=when, status=SessionStatus.DONE, units=155)
            )
        session.add(patient)
    session.flush()
    return True


def prepare_database(url: str | None = None, *, demo: bool = True) -> bool:
    """Migrate ``url`` (default: the configured database) to the newest schema, add the
    clinic settings if missing, the FAQ topics if there are none and, with ``demo``, the
    demo patients if there are no patients. True if demo patients were added. What
    ``python -m bot run`` calls.
    """
    from bot.content.repository import seed_topics
    from bot.db.migrations import upgrade_database
    from bot.db.session import session_scope

    url = url or load_settings().database_url
    upgrade_database(url)
    with session_scope(url) as session:
        # The knowledge base (bot/content/knowledge_base.yml + kb_examples/) when
        # the database has none: from then on the database is their source of truth.
        seed_topics(session)
        if demo:
            return seed_demo_data(session)
        ensure_clinic_settings(session)
        return False
