"""Engines and sessions: one engine per database URL, one session per unit of work.

    from bot.db.session import session_scope

    with session_scope() as session:       # the URL from load_settings().database_url
        session.execute(select(Patient)...)
    # committed here; rolled back if the block raised

SQLite gets three fixes on every connection: foreign keys are enforced (``PRAGMA
foreign_keys=ON``), transactions are begun by SQLAlchemy rather than by the sqlite3
driver, so SAVEPOINTs (the importer's per-row transactions) and transactional DDL work,
and a database file is in write-ahead-log mode (reads and a write do not block each other).
The folder of a SQLite file is created when missing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import load_settings

T = TypeVar("T")

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_sessionmakers: dict[str, sessionmaker] = {}


def _configure_sqlite(engine: Engine) -> None:
    on_disk = _on_disk(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if on_disk:
            # Write-ahead logging: readers and a writer no longer wait for each other. The
            # embedded profile's processes (website, its background retrain, actions) share
            # the file; in the default rollback journal a commit waits for every open read,
            # and meanwhile no new read may start, so a staff page that read (the sign-in
            # check) and then opened a second session while the retrain thread committed a
            # stage failed with "database is locked" after the 5-second busy wait.
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")


def _on_disk(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")


def create_db_engine(url: str) -> Engine:
    """A new engine for ``url`` (SQLite or PostgreSQL), configured as described above.

    Most code wants ``get_engine`` (cached) instead; tests and migrations create their own.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if _on_disk(database):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    """The shared engine for ``url`` (default: ``load_settings().database_url``)."""
    url = url or load_settings().database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create_db_engine(url)
        return engine


def get_sessionmaker(url: str | None = None) -> sessionmaker:
    """A session factory bound to the shared engine for ``url``."""
    url = url or load_settings().database_url
    engine = get_engine(url)
    with _lock:
        factory = _sessionmakers.get(url)
        if factory is None:
            factory = _sessionmakers[url] = sessionmaker(
                bind=engine, future=True, expire_on_commit=False
            )
        return factory


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back if it raised."""
    with get_sessionmaker(url)() as session, session.begin():
        yield session


def in_session(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``work(session, *args, **kwargs)`` as one unit of work on the clinic database: how
    the action server's adapters call the feature packages without opening sessions."""
    with session_scope() as session:
        return work(session, *args, **kwargs)


def dispose_engines() -> None:
    """Close every shared engine (tests, and before a process forks)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _sessionmakers.clear()
