"""The tracker store every Rasa process uses: Rasa's SQL tracker store, one URL.

``endpoints.yml`` names this class with ``url: ${TRACKER_STORE_URL}``. The default
(``python -m bot run``) is a SQLite file under ``var/``, so conversations survive a
restart with no outside service; production sets a PostgreSQL URL (README,
"Production"). Rasa's own ``SQLTrackerStore`` accepts a complete SQLAlchemy URL as its
host; this subclass exists so the clinic's own behaviour (erasing a conversation on the
patient's request, purging old ones) lives in one place, on top of Rasa's store.
"""

from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore


class ClinicTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store; see the module docstring."""
