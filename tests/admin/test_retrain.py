"""Background retraining: when a stage fails, the live model stays and staff are told why in
plain words (the successful path, with a real Rasa server, is in test_admin_browser.py)."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

import bot.training.build
from bot.db.faq_models import TrainingJob
from bot.db.session import session_scope
from bot.settings import load_settings
from bot.training import retrain
from bot.training.build import TrainingFailed, TrainResult


@pytest.fixture
def settings(seeded_url, tmp_path, monkeypatch):
    monkeypatch.setenv("RASA_URLS", "http://127.0.0.1:9")  # nothing listens there
    return dataclasses.replace(load_settings(), var_dir=tmp_path, database_url=seeded_url)


def job(settings, job_id: int) -> TrainingJob:
    with session_scope(settings.database_url) as session:
        return session.get(TrainingJob, job_id)


def passed(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess([], 0, "", "")


def test_failed_validation_keeps_the_live_model_and_says_why(settings, monkeypatch) -> None:
    def invalid(*args, **kwargs) -> subprocess.CompletedProcess:
        out = "2026 WARNING rasa.validator - Intent 'ask_x' has only 1 training examples!"
        return subprocess.CompletedProcess([], 1, out, "")

    trained: list[object] = []
    monkeypatch.setattr(bot.training.build, "validate_data", invalid)
    monkeypatch.setattr(bot.training.build, "ensure_model", lambda *a, **k: trained.append(1))
    job_id = retrain.create_job(settings, "nurse")
    assert retrain.run_job(settings, job_id) is False
    done = job(settings, job_id)
    assert done.status == "failed" and done.finished_at is not None
    assert done.message.startswith("The example questions could not be used for training")
    assert "has only 1 training examples" in done.message
    assert trained == []


def test_failed_training_keeps_the_live_model_and_says_why(settings, monkeypatch) -> None:
    def fails(*args, **kwargs):
        raise TrainingFailed("rasa train failed (exit 1)")

    monkeypatch.setattr(bot.training.build, "validate_data", passed)
    monkeypatch.setattr(bot.training.build, "ensure_model", fails)
    job_id = retrain.create_job(settings, "nurse")
    assert retrain.run_job(settings, job_id) is False
    message = job(settings, job_id).message
    assert "keeps answering as before" in message and "exit 1" not in message


def test_unreachable_assistant_is_reported_in_plain_words(settings, monkeypatch) -> None:
    model = Path(settings.var_dir) / "model-x.tar.gz"
    monkeypatch.setattr(bot.training.build, "validate_data", passed)
    monkeypatch.setattr(
        bot.training.build, "ensure_model", lambda *a, **k: TrainResult(model, True, 1.0, None)
    )
    stages: list[str] = []
    job_id = retrain.create_job(settings, "nurse")
    ok = retrain.run_job(settings, job_id, progress=lambda status, message: stages.append(status))
    assert ok is False
    assert stages == ["checking", "training", "loading", "failed"]
    assert "could not switch to it" in job(settings, job_id).message
    assert "keeps answering with the old version" in job(settings, job_id).message


def test_interrupted_jobs_are_marked_failed(settings) -> None:
    job_id = retrain.create_job(settings, "nurse")
    retrain.fail_interrupted_jobs(settings)
    assert job(settings, job_id).status == "failed"
    assert "Interrupted" in job(settings, job_id).message


def test_rasa_token_is_sent_when_set(monkeypatch) -> None:
    monkeypatch.setenv("RASA_AUTH_TOKEN", "s3cret&x")
    assert retrain._with_token("http://r/status") == "http://r/status?token=s3cret%26x"
    monkeypatch.delenv("RASA_AUTH_TOKEN")
    assert retrain._with_token("http://r/status") == "http://r/status"
