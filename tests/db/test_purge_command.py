"""``python -m bot purge``: what a scheduler runs; counts only, idempotent."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

from sqlalchemy import create_engine, text

from bot.db.migrations import upgrade_database
from bot.db.models import utc_now
from bot.db.session import session_scope
from bot.handoff import callbacks as handoff
from bot.settings import PROJECT_ROOT


def run_purge(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "purge", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_purge_command_deletes_old_data_and_prints_counts_only(tmp_path) -> None:
    clinic_url = f"sqlite:///{tmp_path / 'clinic.db'}"
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    upgrade_database(clinic_url)
    with session_scope(clinic_url) as session:
        handoff.save_callback(
            session, conversation_id="old-chat", name="Jane Secretname", phone="020 7946 0123",
            best_time="any", reason="dose", transcript=[], now=utc_now() - timedelta(days=40),
        )  # fmt: skip
    tracker = create_engine(tracker_url)
    with tracker.begin() as connection:
        connection.execute(
            text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL)")
        )
        connection.execute(
            text("INSERT INTO events (sender_id, timestamp) VALUES ('old-chat', :t), ('new', :n)"),
            {"t": time.time() - 40 * 86400, "n": time.time()},
        )
    env = {"DATABASE_URL": clinic_url, "TRACKER_STORE_URL": tracker_url, "RETENTION_DAYS": "30"}

    first = run_purge(env)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "older than 30 days: 1 conversations (1 events), 1 call-back requests" in first.stdout
    assert "Secretname" not in first.stdout + first.stderr
    assert "old-chat" not in first.stdout + first.stderr

    again = run_purge(env, "--days", "30")
    assert "0 conversations (0 events), 0 call-back requests" in again.stdout
    with tracker.connect() as connection:
        assert connection.execute(text("SELECT sender_id FROM events")).scalars().all() == ["new"]
    tracker.dispose()


def test_purge_refuses_a_period_under_a_day(tmp_path) -> None:
    result = run_purge({"DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}, "--days", "0")
    assert result.returncode == 2
