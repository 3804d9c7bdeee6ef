"""Schema migrations (Alembic), run from code: no alembic.ini to keep in step.

``upgrade_database(url)`` brings a database to the newest revision; the CLI's
``python -m bot db upgrade`` calls it, and so should anything that starts the action
server. A new migration: ``python -m bot db revision -m "what changed"`` (compares the
models with a database at head and writes ``versions/NNNN_....py``; read it before use).
"""

from __future__ import annotations

import logging
from pathlib import Path

# Alembic logs each step at INFO, some of it as it is imported: quieten it first (unless
# logging was configured for alembic on purpose), so the CLI and run logs show what matters.
if logging.getLogger("alembic").level == logging.NOTSET:
    logging.getLogger("alembic").setLevel(logging.WARNING)

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.db.session import create_db_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for this package's migrations (and ``url`` if given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s")  # rev ids are "0002_what_changed"
    if url:
        # ConfigParser treats % as interpolation: escape it (passwords may contain one).
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision in ``versions/``."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(url: str) -> str | None:
    """The revision a database is at (None: never migrated)."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade_database(url: str, revision: str = "head") -> None:
    """Run the migrations on ``url`` up to ``revision`` (default: the newest). Idempotent."""
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def downgrade_database(url: str, revision: str) -> None:
    """Undo migrations down to ``revision`` ("base" empties the schema). For development."""
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def new_revision(url: str, message: str, *, autogenerate: bool = True) -> Path:
    """Write a new migration file (compared against the database at ``url``); its path."""
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            heads = ScriptDirectory.from_config(config).get_heads()
            number = len(list(ScriptDirectory.from_config(config).walk_revisions())) + 1
            slug = "".join(c if c.isalnum() else "_" for c in message.lower()).strip("_")[:40]
            script = command.revision(
                config,
                message=message,
                autogenerate=autogenerate,
                rev_id=f"{number:04d}_{slug}",
                head=heads[0] if heads else "base",
            )
    finally:
        engine.dispose()
    assert script is not None and not isinstance(script, list)
    return Path(script.path)
