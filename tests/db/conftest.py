"""Database fixtures: every test here runs on SQLite (a temp file) and on PostgreSQL,
through ``db_url`` (tests/fixtures/databases.py: the PostgreSQL server, required under CI).
Here: an engine, a session factory and one session on that database, and "today"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.db.session import create_db_engine

TODAY = date(2026, 11, 24)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def make_session(engine: Engine) -> sessionmaker:
    """A session factory: ``with make_session() as s, s.begin(): ...`` is a unit of work."""
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@pytest.fixture
def session(make_session: sessionmaker) -> Iterator[Session]:
    """One session in a transaction, committed when the test ends."""
    with make_session() as s, s.begin():
        yield s


@pytest.fixture
def today() -> date:
    return TODAY
