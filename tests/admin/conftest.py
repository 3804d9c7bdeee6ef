"""Fixtures of the staff-content tests: the migrated test databases (``db_url``, SQLite and
PostgreSQL, PostgreSQL required under CI: tests/fixtures/databases.py), seeded with the FAQ
topics. (The browser tests
of the admin pages are in tests/web/test_admin_browser.py, beside the widget's.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.db.session import session_scope

STAFF = "nurse.jones"
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch) -> None:
    """Argon2 at its lowest cost: still argon2 (what these tests check), but the default's
    64 MiB and three passes, right for real accounts, cost about 0.3 s per sign-in on a busy
    test machine, and these tests sign in hundreds of times."""
    from argon2 import PasswordHasher

    import bot.web.auth

    monkeypatch.setattr(
        bot.web.auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def seeded_url(db_url: str) -> str:
    from bot.content.repository import seed_topics

    with session_scope(db_url) as session:
        seed_topics(session)
    return db_url


@pytest.fixture
def client(seeded_url: str, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The website in-process (no Rasa behind it) with one staff account, signed out."""
    import dataclasses

    from starlette.testclient import TestClient

    from bot.settings import load_settings
    from bot.web.app import create_app
    from bot.web.auth import add_staff

    monkeypatch.delenv("ADMIN_SESSION_SECRET", raising=False)
    settings = dataclasses.replace(
        load_settings(), var_dir=tmp_path, database_url=seeded_url, rasa_port=9
    )
    with session_scope(seeded_url) as session:
        add_staff(session, STAFF, PASSWORD, "test")
    return TestClient(create_app(settings), base_url="http://localhost")


@pytest.fixture
def session(seeded_url: str) -> Iterator[object]:
    with session_scope(seeded_url) as s:
        yield s
