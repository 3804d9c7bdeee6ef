"""Fixtures of the staff-content tests: the migrated databases of tests/db (SQLite and
PostgreSQL, PostgreSQL required under CI), seeded with the FAQ topics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.db.session import session_scope
from tests.db.conftest import db_url, postgres_server, postgres_url  # noqa: F401
from tests.web.conftest import browser, context, js_errors, page  # noqa: F401

STAFF = "nurse.jones"
PASSWORD = "correct horse battery"


@pytest.fixture
def seeded_url(db_url: str) -> str:  # noqa: F811
    from bot.content.repository import seed_topics

    with session_scope(db_url) as session:
        seed_topics(session)
    return db_url


@pytest.fixture
def session(seeded_url: str) -> Iterator[object]:
    with session_scope(seeded_url) as s:
        yield s


@pytest.fixture(scope="module")
def admin_stack(tmp_path_factory: pytest.TempPathFactory, trained_model):
    """A stack of its own (its database is edited, and its model swapped, by the tests):
    action server, Rasa server and website, with one staff account."""
    from bot.db.seed import prepare_database
    from bot.runner import Stack
    from bot.web.auth import add_staff
    from tests.conftest import TEST_TODAY, isolated_settings

    settings = isolated_settings(tmp_path_factory, "admin")
    prepare_database(settings.database_url)
    with session_scope(settings.database_url) as s:
        add_staff(s, STAFF, PASSWORD, "test")
    extra_env = {
        "BOT_FIXED_TODAY": TEST_TODAY,
        "BOT_VAR_DIR": str(settings.var_dir),
        # models trained by these tests stay out of the cache shared by clones
        "BOT_MODEL_CACHE": str(settings.var_dir / "model-cache"),
    }
    with Stack(settings=settings, model=trained_model, extra_env=extra_env) as running:
        yield running
