"""The tracker store every Rasa process uses: Rasa's SQL tracker store, one URL.

``endpoints.yml`` names this class with ``url: ${TRACKER_STORE_URL}``. The default
(``python -m bot run``) is a SQLite file under ``var/``, so conversations survive a
restart with no outside service; production sets a PostgreSQL URL (README,
"Production"). Rasa's own ``SQLTrackerStore`` accepts a complete SQLAlchemy URL as its
host; this subclass exists so the clinic's own behaviour (erasing a conversation on the
patient's request, purging old ones) lives in one place, on top of Rasa's store.

**Forget me.** Rasa saves a tracker once per message, after every action of that turn has
run, by appending the events beyond those already stored. Rows deleted from inside an
action would therefore not stay deleted (and the action server has no access to this
database anyway). So the erasure happens here: when the events of this turn contain the
marker that ``action_forget_me`` returns (the slot ``ERASE_SLOT`` set to true, which only
happens after the patient confirmed), ``save`` deletes every stored event of that
conversation instead of appending, and deletes the conversation's call-back requests,
feedback and unanswered questions from the clinic database (``bot.privacy.erasure``). The next
message starts a new, empty conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

# Set to true by action_forget_me (actions/privacy.py), after the patient confirmed.
ERASE_SLOT = "conversation_erased"


def asks_for_erasure(events: Iterable[Event]) -> bool:
    return any(
        isinstance(event, SlotSet) and event.key == ERASE_SLOT and event.value is True
        for event in events
    )


def this_turn(tracker: DialogueStateTracker) -> list[Event]:
    """The events since the latest user message (inclusive), newest first."""
    turn: list[Event] = []
    for event in reversed(tracker.events):
        turn.append(event)
        if isinstance(event, UserUttered):
            break
    return turn


def _tune_sqlite(engine: Engine) -> None:
    """The SQLite default: write-ahead log, fsync at checkpoints rather than every commit.

    Rasa commits once per message; with SQLite's defaults (rollback journal, full sync)
    that commit was the largest single cost of a message after NLU in our profile. WAL with
    ``synchronous=NORMAL`` cannot corrupt the file; a power cut may lose the last messages
    (an application crash loses nothing). Production uses PostgreSQL instead.
    """

    @sa_event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    engine.dispose()  # connections opened while Rasa created the tables get the pragmas too


class ClinicTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, plus erasure on request; see the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            _tune_sqlite(self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        # The marker can only be among this turn's events (since the last user message):
        # looking there costs nothing, where asking the database costs a query a message.
        if not asks_for_erasure(this_turn(tracker)):
            await super().save(tracker)
            return
        deleted = self.erase(tracker.sender_id)
        # Counts only: the sender id can identify a patient on some channels (a phone
        # number on SMS), so it is not logged.
        logger.info("conversation erased on request: %d stored events deleted", deleted)
        erase_clinic_data(tracker.sender_id)

    def erase(self, sender_id: str) -> int:
        """Delete every stored event of one conversation (all its sessions); the count."""
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return int(deleted or 0)


def erase_clinic_data(sender_id: str) -> None:
    """Delete the conversation's rows in the clinic database; log (class only) on failure."""
    from bot.db.session import session_scope
    from bot.privacy.erasure import erase_conversation_data

    try:
        with session_scope() as session:
            counts = erase_conversation_data(session, sender_id)
        logger.info("clinic data of an erased conversation deleted: %s", counts)
    except Exception as exc:  # never fail the patient's turn; the error class only
        logger.error(
            "could not delete clinic data of an erased conversation: %s", type(exc).__name__
        )
