"""Retention: conversations and what came with them are deleted after ``RETENTION_DAYS``.

``python -m bot purge [--days N]`` runs ``purge`` (a scheduler runs it daily, README
"Handoff, privacy and feedback"). The rules, for a cut-off of N days before now:

* tracker store: every event of a conversation whose **last** event is older than the
  cut-off (a conversation still going on is kept whole);
* call-back requests made before the cut-off, done or not (staff act on them within days;
  the transcript in them is conversation data);
* answer feedback and not-understood questions recorded before the cut-off.

Idempotent (a second run deletes nothing); prints counts only, never patient data.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import column, delete, func, inspect, select, table
from sqlalchemy.engine import Engine

from bot.db.models import AnswerFeedback, CallbackRequest, UnansweredQuestion, utc_now
from bot.settings import DEFAULT_RETENTION_DAYS, load_settings

# Rasa's SQLTrackerStore table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
EVENTS = table("events", column("sender_id"), column("timestamp"))


def retention_days() -> int:
    """``RETENTION_DAYS`` (whole days, at least 1), default 90."""
    return load_settings().retention_days


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    events: int
    callback_requests: int
    feedback: int
    unanswered_questions: int


def purge_tracker_events(engine: Engine, cutoff_epoch: float) -> tuple[int, int]:
    """Delete the events of conversations whose last event is before ``cutoff_epoch``
    (Rasa stores event timestamps as Unix seconds). Returns (conversations, events)."""
    if not inspect(engine).has_table("events"):
        return 0, 0
    stale = (
        select(EVENTS.c.sender_id)
        .group_by(EVENTS.c.sender_id)
        .having(func.max(EVENTS.c.timestamp) < cutoff_epoch)
    )
    with engine.begin() as connection:
        senders = [row[0] for row in connection.execute(stale)]
        events = 0
        for start in range(0, len(senders), 500):
            chunk = senders[start : start + 500]
            result = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk)))
            events += result.rowcount or 0
    return len(senders), events


def purge_clinic_data(engine: Engine, cutoff: datetime) -> tuple[int, int, int]:
    """Delete call-back requests, feedback and unanswered questions older than ``cutoff``
    (naive UTC). Returns the three counts."""
    counts = []
    with engine.begin() as connection:
        for model in (CallbackRequest, AnswerFeedback, UnansweredQuestion):
            result = connection.execute(delete(model).where(model.created_at < cutoff))
            counts.append(result.rowcount or 0)
    return counts[0], counts[1], counts[2]


def purge(
    tracker_engine: Engine, clinic_engine: Engine, days: int, now: datetime | None = None
) -> PurgeResult:
    """Apply the retention rules (module docstring) with a cut-off ``days`` before ``now``
    (naive UTC, default: now)."""
    if days < 1:
        raise ValueError("the retention period must be at least one day")
    now = now or utc_now()
    cutoff = now - timedelta(days=days)
    cutoff_epoch = time_epoch(cutoff)
    conversations, events = purge_tracker_events(tracker_engine, cutoff_epoch)
    callbacks, feedback, unanswered = purge_clinic_data(clinic_engine, cutoff)
    return PurgeResult(conversations, events, callbacks, feedback, unanswered)


def time_epoch(naive_utc: datetime) -> float:
    """Unix seconds of a naive UTC datetime."""
    return (naive_utc - datetime(1970, 1, 1)).total_seconds()


# --- python -m bot purge -------------------------------------------------------------------


def add_purge_command(sub: argparse._SubParsersAction) -> None:
    purge_parser = sub.add_parser(
        "purge", help="delete conversations and their data older than RETENTION_DAYS"
    )
    purge_parser.add_argument(
        "--days",
        type=int,
        default=None,
        help=f"retention period in days (default: RETENTION_DAYS, else {DEFAULT_RETENTION_DAYS})",
    )
    purge_parser.set_defaults(func=cmd_purge)


def cmd_purge(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.session import create_db_engine

    days = args.days if args.days is not None else retention_days()
    if days < 1:
        print("--days must be at least 1", flush=True)
        return 2
    settings = load_settings()
    tracker_engine = create_db_engine(settings.tracker_store_url)
    clinic_engine = create_db_engine(settings.database_url)
    try:
        result = purge(tracker_engine, clinic_engine, days)
    except SQLAlchemyError as exc:  # the class only: messages can quote parameters
        print(
            f"purge failed ({type(exc).__name__}); is the clinic database migrated "
            "(python -m bot db upgrade)?",
            flush=True,
        )
        return 1
    finally:
        tracker_engine.dispose()
        clinic_engine.dispose()
    print(
        f"purged data older than {days} days: {result.conversations} conversations "
        f"({result.events} events), {result.callback_requests} call-back requests, "
        f"{result.feedback} feedback, {result.unanswered_questions} unanswered questions",
        flush=True,
    )
    return 0
