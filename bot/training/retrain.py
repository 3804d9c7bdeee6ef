"""Retrain in the background when staff publish new topics or example questions, then swap
the new model into the running Rasa server(s) with no downtime.

A wording change needs no model (answers are read from the database per message). A new
topic, or changed example questions, does: the model is named by the hash of its
assembled inputs (``bot.training.build``), so "a retrain is needed" is simply "the model the
Rasa server runs is not the one for the published content".

One job at a time (:class:`Retrainer`, in the admin web process; the CLI runs a job in
the foreground), in stages that staff see:

1. **checking**: the training files are assembled from the database and checked with
   ``rasa data validate``;
2. **training**: ``rasa train`` (log in ``var/log/train-<hash>.log``), or the cached model;
3. **loading**: ``PUT /model`` on every Rasa server (``RASA_URLS``, comma-separated;
   default the local one; with ``RASA_AUTH_TOKEN`` when set), then ``GET /status`` to
   check it is the one running.

Until step 3 succeeds the old model keeps answering. A failure at any stage leaves the
live model as it was, and the job's message says why in plain words.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from bot.content.repository import audit
from bot.db.faq_models import TrainingJob
from bot.db.models import utc_now
from bot.db.session import session_scope
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)

ACTIVE = ("queued", "checking", "training", "loading")
STAGE_WORDS = {
    "queued": "Waiting to start",
    "checking": "Checking the example questions",
    "training": "Teaching the assistant the new questions (about a minute)",
    "loading": "Switching the live assistant to the new version",
    "done": "Done",
    "failed": "Failed",
}


def rasa_urls(settings: Settings) -> list[str]:
    """The Rasa servers to update: ``RASA_URLS`` (comma-separated) or the local one."""
    return list(settings.rasa_urls) or [f"http://127.0.0.1:{settings.rasa_port}"]


def _with_token(url: str) -> str:
    token = load_settings().rasa_auth_token
    if not token:
        return url
    return f"{url}{'&' if '?' in url else '?'}token={urllib.parse.quote(token)}"


def live_model(url: str, timeout: float = 5.0) -> str | None:
    """The model file the Rasa server at ``url`` runs (None: unreachable or no model)."""
    try:
        with urllib.request.urlopen(_with_token(f"{url}/status"), timeout=timeout) as response:
            return json.loads(response.read()).get("model_file") or None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def load_model(url: str, model_file: str, timeout: float = 300.0) -> None:
    """Ask the Rasa server at ``url`` to load ``model_file``; it swaps once it is loaded."""
    request = urllib.request.Request(
        _with_token(f"{url}/model"),
        data=json.dumps({"model_file": model_file}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status not in (200, 204):
            raise RuntimeError(f"HTTP {response.status}")


class JobFailed(Exception):
    """A stage failed; the message is for staff."""


@dataclass(frozen=True)
class ModelState:
    wanted: str  # model name for the published content
    running: list[str | None]  # per Rasa server

    @property
    def up_to_date(self) -> bool:
        return all(r is not None and r.startswith(self.wanted) for r in self.running)


def model_state(settings: Settings) -> ModelState:
    from bot.training.build import assemble_training_data, database_faq_topics

    training = assemble_training_data(settings, database_faq_topics(settings.database_url))
    return ModelState(
        wanted=training.model_name, running=[live_model(u) for u in rasa_urls(settings)]
    )


def _validation_problems(output: str) -> str:
    lines = [
        line.strip()
        for line in output.splitlines()
        if ("WARNING" in line or "ERROR" in line or "UserWarning" in line)
        and "is not used in any story" not in line
    ]
    return "\n".join(lines[-5:])


def run_job(
    settings: Settings, job_id: int, *, progress: Callable[[str, str], None] | None = None
) -> bool:
    """Run one training job to the end (stages above); True if the new model is live."""
    from bot.training.build import (
        TrainingFailed,
        assemble_training_data,
        database_faq_topics,
        ensure_model,
        validate_data,
    )

    url = settings.database_url

    def stage(status: str, message: str = "") -> None:
        with session_scope(url) as session:
            job = session.get(TrainingJob, job_id)
            assert job is not None
            job.status = status
            job.message = message or STAGE_WORDS[status]
            if status in ("done", "failed"):
                job.finished_at = utc_now()
        if progress is not None:
            progress(status, message or STAGE_WORDS[status])

    try:
        stage("checking")
        training = assemble_training_data(settings, database_faq_topics(url))
        with session_scope(url) as session:
            job = session.get(TrainingJob, job_id)
            assert job is not None
            job.model_name = training.model_name
        urls = rasa_urls(settings)
        if all((live_model(u) or "").startswith(training.model_name) for u in urls):
            stage("done", "Nothing to do: the assistant already knows every published question.")
            return True
        proc = validate_data(settings, training)
        if proc.returncode != 0:
            raise JobFailed(
                "The example questions could not be used for training, so the assistant "
                "was not changed. What the check found:\n"
                + (_validation_problems(proc.stdout + proc.stderr) or "(see the log)")
            )
        stage("training")
        try:
            result = ensure_model(settings, training=training)
        except TrainingFailed as exc:
            logger.error("training failed: %s", exc)
            raise JobFailed(
                "Training the assistant failed, so the live assistant was not changed and "
                "keeps answering as before. Please tell the technical team (the training "
                "log is in var/log)."
            ) from exc
        with session_scope(url) as session:
            job = session.get(TrainingJob, job_id)
            assert job is not None
            job.log_file = str(result.log_file) if result.log_file else None
        stage("loading")
        for rasa in urls:
            try:
                load_model(rasa, str(result.model.resolve()))
            except (urllib.error.URLError, OSError, RuntimeError) as exc:
                raise JobFailed(
                    f"The new version is ready but the assistant at {rasa} could not switch "
                    f"to it ({type(exc).__name__}); it keeps answering with the old version."
                ) from exc
            running = live_model(rasa) or ""
            if not running.startswith(training.model_name):
                raise JobFailed(
                    f"The assistant at {rasa} did not switch to the new version; it keeps "
                    "answering with the old one."
                )
        stage("done", "Done: the assistant now recognises the new questions.")
        with session_scope(url) as session:
            audit(session, "system", "model_live", None, f"{training.model_name} (job {job_id})")
        return True
    except JobFailed as exc:
        stage("failed", str(exc))
    except Exception as exc:  # a job must always end, and say so
        logger.exception("training job %s failed", job_id)
        stage(
            "failed",
            "Something unexpected went wrong while updating the assistant "
            f"({type(exc).__name__}); the live assistant was not changed.",
        )
    with session_scope(url) as session:
        audit(session, "system", "training_failed", None, f"job {job_id}")
    return False


def create_job(settings: Settings, actor: str) -> int:
    with session_scope(settings.database_url) as session:
        job = TrainingJob(started_by=actor, status="queued", message=STAGE_WORDS["queued"])
        session.add(job)
        session.flush()
        audit(session, actor, "retrain", None, f"job {job.id} started")
        return job.id


def latest_job(settings: Settings) -> TrainingJob | None:
    with session_scope(settings.database_url) as session:
        return session.execute(
            select(TrainingJob).order_by(TrainingJob.id.desc()).limit(1)
        ).scalar_one_or_none()


def fail_interrupted_jobs(settings: Settings) -> None:
    """Jobs left active by a stopped process: mark them failed (the model was not changed
    by them unless the loading stage had finished)."""
    with session_scope(settings.database_url) as session:
        for job in session.execute(
            select(TrainingJob).where(TrainingJob.status.in_(ACTIVE))
        ).scalars():
            job.status = "failed"
            job.message = (
                "Interrupted (the website was restarted). Press 'Update the assistant' again."
            )
            job.finished_at = utc_now()


class Retrainer:
    """Runs training jobs one at a time in a background thread of this process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again: str | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def request(self, actor: str) -> None:
        """Start a job now, or right after the running one (which may miss the latest
        changes)."""
        with self._lock:
            if self.busy:
                self._again = actor
                return
            self._start(actor)

    def _start(self, actor: str) -> None:
        job_id = create_job(self.settings, actor)
        self._thread = threading.Thread(
            target=self._work, args=(job_id,), name=f"training-job-{job_id}", daemon=True
        )
        self._thread.start()

    def _work(self, job_id: int) -> None:
        run_job(self.settings, job_id)
        with self._lock:
            actor, self._again = self._again, None
            if actor is not None:
                self._start(actor)

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
