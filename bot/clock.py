"""Today's date, in the clinic's time zone: the one place the actions ask for "today".

Logic never calls ``date.today()`` itself; it takes ``today`` as an argument. The actions
get it here. ``BOT_FIXED_TODAY=YYYY-MM-DD`` pins it (conversation tests and demos use it,
so "next due in 5 weeks" stays true whatever day they run); ``CLINIC_TIMEZONE`` (default
Europe/London) decides when a clinic day starts.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/London"


def today_for_clinic() -> date:
    fixed = os.environ.get("BOT_FIXED_TODAY", "").strip()
    if fixed:
        return date.fromisoformat(fixed)
    zone = ZoneInfo(os.environ.get("CLINIC_TIMEZONE", "").strip() or DEFAULT_TIMEZONE)
    return datetime.now(zone).date()
