"""Database fixtures: every test here runs on SQLite (a temp file) and on PostgreSQL.

PostgreSQL: the server at ``TEST_POSTGRES_ADMIN_URL`` (default
``postgresql+psycopg2://postgres@127.0.0.1:5432/postgres``, trust authentication). A fresh
database ``botbot_test_<random>`` is created for the test session, migrated once, emptied
before each test and dropped at the end. If the server cannot be reached the PostgreSQL
half of the tests is skipped with the reason, except under CI (``CI=true``), where that is
a failure: CI must prove both databases.

The schema always comes from the Alembic migrations (``upgrade_database``), never from
``create_all``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.migrations import upgrade_database
from bot.db.models import Base
from bot.db.session import create_db_engine, dispose_engines

TODAY = date(2026, 11, 24)
DEFAULT_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
BACKENDS = ["sqlite", "postgresql"]


def _admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_ADMIN_URL", "").strip() or DEFAULT_ADMIN_URL


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"PostgreSQL is required under CI and is unavailable: {reason}")
    pytest.skip(f"PostgreSQL unavailable ({reason}); set TEST_POSTGRES_ADMIN_URL or start it")


class PostgresServer:
    """Creates and drops throw-away databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.engine = create_engine(
            admin_url,
            future=True,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 5},
        )
        self.created: list[str] = []

    def create_database(self) -> str:
        name = f"botbot_test_{secrets.token_hex(6)}"
        with self.engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        name = make_url(url).database
        with self.engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            with self.engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(_admin_url())
    try:
        with server.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        server.engine.dispose()
        _postgres_unavailable(str(exc.orig).strip().splitlines()[0])
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """A database for this test session, migrated to head."""
    url = postgres_server.create_database()
    upgrade_database(url)
    return url


def _empty_tables(engine: Engine) -> None:
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A migrated, empty database: a new SQLite file, or the session's PostgreSQL one."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'clinic.db'}"
        upgrade_database(url)
    else:
        url = request.getfixturevalue("postgres_url")
        engine = create_db_engine(url)
        _empty_tables(engine)
        engine.dispose()
    yield url
    dispose_engines()


@pytest.fixture(params=BACKENDS)
def fresh_db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database with no schema at all (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sub' / 'fresh.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    yield url
    dispose_engines()
    server.drop_database(url)


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
