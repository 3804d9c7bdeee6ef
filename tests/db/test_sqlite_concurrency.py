"""The embedded SQLite database shared by several processes and threads."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.db.session import create_db_engine


def test_a_database_file_is_in_write_ahead_log_mode(tmp_path: Path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'clinic.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_new_read_succeeds_while_an_open_read_holds_back_a_writers_commit(tmp_path: Path):
    """A staff page that has read (its sign-in check) and then opens a second session, while
    the background retrain commits a stage: no "database is locked"."""
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    setup = create_db_engine(url)
    with setup.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT)")
        conn.exec_driver_sql("INSERT INTO jobs (status) VALUES ('queued')")
    page, worker, nested = (create_db_engine(url) for _ in range(3))
    with page.connect() as request:
        request.begin()
        assert request.execute(text("SELECT status FROM jobs")).scalar() == "queued"
        with worker.begin() as job:  # commits while the page's read is still open
            job.execute(text("UPDATE jobs SET status = 'training'"))
        with nested.connect() as second:  # the page's second session reads the new row
            assert second.execute(text("SELECT status FROM jobs")).scalar() == "training"
        request.rollback()
    for engine in (setup, page, worker, nested):
        engine.dispose()
