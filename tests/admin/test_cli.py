"""``python -m bot faq ...`` and ``python -m bot staff add``: the same content, from a terminal."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.content.repository import get_live_content
from bot.db.faq_models import AuditEntry, StaffUser
from bot.db.session import session_scope


@pytest.fixture
def url(db_url: str, monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    # No Rasa server there: publishing new questions must say training waits for `make run`.
    monkeypatch.setenv("RASA_URLS", "http://127.0.0.1:9")
    return db_url


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_list_and_show(url, capsys) -> None:
    code, out = run(capsys, "faq", "list")
    assert code == 0 and "schedule" in out and "published v1" in out
    code, out = run(capsys, "faq", "show", "schedule")
    assert code == 0 and "every 12 weeks" in out and "[live]" in out


def test_set_then_publish_is_live_and_audited(url, capsys) -> None:
    code, out = run(capsys, "faq", "set", "schedule", "--answer", "CLI wording.", "--as", "cn")
    assert code == 0 and "version 2 saved as a draft" in out
    assert get_live_content(url).entries["schedule"].answer != "CLI wording."
    code, out = run(capsys, "faq", "publish", "--as", "cn")
    assert code == 0 and "schedule: version 2 is live." in out
    assert get_live_content(url).entries["schedule"].answer == "CLI wording."
    with session_scope(url) as session:
        actions = [
            (a.actor, a.action)
            for a in session.execute(
                select(AuditEntry).where(AuditEntry.topic_key == "schedule")
            ).scalars()
        ]
    assert actions == [("cn", "save_draft"), ("cn", "publish")]


def test_invalid_answer_is_refused_in_plain_words(url, capsys) -> None:
    code, out = run(capsys, "faq", "set", "schedule", "--answer", "<b>x</b>")
    assert code == 1 and out.startswith("Not done: The answer: the text contains HTML")
    code, out = run(capsys, "faq", "show", "nope")
    assert code == 1 and "There is no topic called 'nope'." in out


def test_history_rollback_export_import(url, capsys, tmp_path) -> None:
    run(capsys, "faq", "set", "schedule", "--answer", "Second.", "--publish")
    code, out = run(capsys, "faq", "history", "schedule")
    assert code == 0 and out.splitlines()[0].startswith("v2 (live)")
    code, out = run(capsys, "faq", "rollback", "schedule", "1")
    assert code == 0 and "version 1 is live again (as version 3)" in out
    exported = tmp_path / "topics.yml"
    assert run(capsys, "faq", "export", str(exported))[0] == 0
    text = exported.read_text()
    assert text.count("Injections are given **every 12 weeks**, in the clinic.") == 1
    exported.write_text(
        text.replace("Injections are given **every 12", "Injections are given **every twelve")
    )
    code, out = run(capsys, "faq", "import", str(exported))
    assert code == 0 and "1 changed (schedule)" in out


def test_new_examples_without_a_running_assistant_wait_for_make_run(url, capsys) -> None:
    code, out = run(capsys, "faq", "take-down", "schedule")
    assert code == 0 and "taken down" in out
    code, out = run(capsys, "faq", "publish", "schedule")
    assert code == 0 and "schedule: version 1 is live." in out


def test_staff_add_hashes_the_password(url, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    code, out = run(capsys, "staff", "add", "sister.ward", "--password-stdin")
    assert code == 0 and "staff account sister.ward ready" in out
    with session_scope(url) as session:
        user = session.execute(select(StaffUser)).scalar_one()
    assert user.password_hash.startswith("$argon2") and "secret" not in user.password_hash
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, out = run(capsys, "staff", "add", "other", "--password-stdin")
    assert code == 1 and "at least 10 characters" in out
