"""Shared fixtures: the trained model and the running stack are built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ops.runner import free_port
from bot.settings import PROJECT_ROOT, Settings, load_settings

# Fixtures shared across folders (tests/fixtures/): the test databases, SQLite and PostgreSQL.
pytest_plugins = ["tests.fixtures.databases"]

TEST_TODAY = "2026-11-24"

# `make test-fast` runs the tests marked `fast`: those that need neither a trained model
# (every running stack is built on one) nor a browser. The mark comes from each test's
# fixtures, so a new test is sorted by what it uses, wherever it lives.
SLOW_FIXTURES = frozenset({"trained_model", "browser"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.fast)


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def spacy_nlp():
    """The offline spaCy pipeline exactly as Rasa's SpacyNLP loads it."""
    from bot.nlu.spacy_pipeline import ensure_pipeline, load_pipeline

    settings = load_settings()
    ensure_pipeline(settings.spacy_model_dir)
    return load_pipeline(settings.spacy_model_dir)


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current training inputs (trained once, then cached by hash)."""
    from bot.training.build import ensure_model

    return ensure_model(load_settings()).model


def isolated_settings(tmp_path_factory: pytest.TempPathFactory, name: str = "var") -> Settings:
    """Settings for one more test stack: free ports, a private var/ folder and database."""
    import dataclasses

    var_dir = tmp_path_factory.mktemp(name)
    return dataclasses.replace(
        load_settings(),
        var_dir=var_dir,
        database_url=f"sqlite:///{var_dir / 'clinic.db'}",
        tracker_store_url=f"sqlite:///{var_dir / 'tracker.db'}",
        rasa_port=free_port(),
        action_port=free_port(),
        web_port=free_port(),
    )


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for the shared test stack."""
    return isolated_settings(tmp_path_factory)


@pytest.fixture(scope="session")
def stack(stack_settings: Settings, trained_model: Path):
    """The real action server and Rasa server, started as `make run` starts them."""
    from bot.db.seed import prepare_database
    from bot.ops.runner import Stack

    prepare_database(stack_settings.database_url)
    # "Today" is pinned so that due-date answers are the same whatever day tests run.
    with Stack(
        settings=stack_settings, model=trained_model, extra_env={"BOT_FIXED_TODAY": TEST_TODAY}
    ) as running:
        yield running
