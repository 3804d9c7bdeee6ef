"""The clinic database: models, sessions, migrations, demo data, CSV import, CLI.

- ``bot.db.models``      typed declarative models (SQLAlchemy 1.4, written for 2.x too)
- ``bot.db.session``     ``session_scope()``: one session per unit of work
- ``bot.db.migrations``  ``upgrade_database(url)``: Alembic migrations, run from code
- ``bot.db.seed``        ``seed_demo_data(session)``: three demo patients when empty
- ``bot.db.importer``    ``import_csv(session, path)``: patients and sessions from a CSV export
- ``bot.db.cli``         ``python -m bot db upgrade|seed|import|status``

The URL is ``load_settings().database_url``: a SQLite file under ``var/`` unless
``DATABASE_URL`` says otherwise (``postgresql+psycopg2://user@host/db``).
"""

from bot.db.migrations import upgrade_database
from bot.db.session import session_scope

__all__ = ["session_scope", "upgrade_database"]
