"""``python -m bot staff ...``: accounts from a terminal (roles, disable, enable), and who
the audit log says did a terminal change."""

from __future__ import annotations

import io
import os
import pwd

import pytest
from sqlalchemy import select

from bot.db.faq_models import AuditEntry, StaffUser
from bot.db.session import session_scope
from tests.admin.test_cli import run

SECRET = "a long enough secret"


@pytest.fixture
def url(db_url: str, monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    return db_url


def add(capsys, monkeypatch, name: str, *extra: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    return run(capsys, "staff", "add", name, "--password-stdin", *extra)


def account(url: str, name: str) -> StaffUser:
    with session_scope(url) as session:
        return session.execute(select(StaffUser).where(StaffUser.username == name)).scalar_one()


def test_the_first_account_is_an_approver_and_later_ones_editors(url, capsys, monkeypatch) -> None:
    code, out = add(capsys, monkeypatch, "sister.ward")
    assert code == 0 and "staff account sister.ward ready (approver)" in out
    code, out = add(capsys, monkeypatch, "nurse.jones")
    assert code == 0 and "(editor)" in out
    code, out = add(capsys, monkeypatch, "dr.shah", "--role", "approver")
    assert code == 0 and "(approver)" in out
    assert [account(url, n).role for n in ("sister.ward", "nurse.jones", "dr.shah")] == [
        "approver",
        "editor",
        "approver",
    ]
    code, out = run(capsys, "staff", "list")
    assert code == 0 and out.splitlines()[1].split()[:3] == ["nurse.jones", "editor", "active"]


def test_disable_and_enable_from_the_terminal_are_audited_as_the_given_name(
    url, capsys, monkeypatch
) -> None:
    add(capsys, monkeypatch, "sister.ward")
    add(capsys, monkeypatch, "nurse.jones")
    epoch = account(url, "nurse.jones").session_epoch
    code, out = run(capsys, "staff", "disable", "nurse.jones", "--as", "it.desk")
    assert code == 0 and "nurse.jones is disabled" in out
    disabled = account(url, "nurse.jones")
    assert not disabled.active and disabled.session_epoch == epoch + 1  # sessions end
    # A new password keeps a disabled account disabled, and says so.
    code, out = add(capsys, monkeypatch, "nurse.jones")
    assert code == 0 and "still disabled" in out and not account(url, "nurse.jones").active
    code, out = run(capsys, "staff", "enable", "nurse.jones", "--as", "it.desk")
    assert code == 0 and account(url, "nurse.jones").active
    with session_scope(url) as session:
        entries = [
            (e.actor, e.action)
            for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]
    assert ("it.desk", "staff_disable") in entries and ("it.desk", "staff_enable") in entries


def test_the_last_approver_cannot_be_disabled_or_made_an_editor(url, capsys, monkeypatch) -> None:
    add(capsys, monkeypatch, "sister.ward")
    code, out = run(capsys, "staff", "disable", "sister.ward")
    assert code == 1 and "sister.ward is the last active approver" in out
    code, out = add(capsys, monkeypatch, "sister.ward", "--role", "editor")
    assert code == 1 and "last active approver" in out
    assert account(url, "sister.ward").role == "approver" and account(url, "sister.ward").active
    code, out = run(capsys, "staff", "disable", "nobody")
    assert code == 1 and "There is no account called nobody." in out


def test_a_terminal_change_without_USER_is_audited_as_the_os_user(
    url, capsys, monkeypatch, client
) -> None:
    from tests.admin.conftest import STAFF
    from tests.admin.test_staff_http import sign_in_as

    # cron, docker exec and systemd run commands without USER (or LOGNAME).
    monkeypatch.delenv("USER", raising=False)
    monkeypatch.delenv("LOGNAME", raising=False)
    code, _ = run(capsys, "faq", "set", "schedule", "--answer", "From a terminal.")
    assert code == 0
    me = pwd.getpwuid(os.getuid()).pw_name
    with session_scope(url) as session:
        actors = {e.actor for e in session.execute(select(AuditEntry)).scalars()}
    assert f"cli:{me}" in actors and "cli:unknown" not in actors
    sign_in_as(client, STAFF)
    page = client.get("/admin/audit").text
    assert f"<td>{me} (from a terminal)</td><td>save draft</td>" in page
