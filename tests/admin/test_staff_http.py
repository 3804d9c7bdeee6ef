"""Staff accounts over HTTP (in-process, SQLite and PostgreSQL): the staff page, the two
roles and the approval step, sessions that end when an account is disabled, the sign-in
lock-out (with a clock and a sleep passed in: nobody waits), and a readable audit log."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.content.repository import get_live_content, get_topic, latest_version
from bot.db.faq_models import AuditEntry, StaffUser
from bot.db.session import session_scope
from bot.web.throttle import ACCOUNT_FAILURES, ADDRESS_FAILURES, LOCK_TIME
from tests.admin.conftest import PASSWORD, STAFF
from tests.admin.test_admin_http import csrf, edit_form

EDITOR = "editor.evans"
START = datetime(2026, 12, 7, 9, 0, 0)


class Clock:
    """The sign-in clock, moved by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(client: TestClient) -> Clock:
    clock = Clock()
    client.app.state.clock = clock  # type: ignore[attr-defined]
    return clock


@pytest.fixture
def waits(client: TestClient) -> list[float]:
    """The slow-down delays the sign-in asked for (recorded instead of slept)."""
    asked: list[float] = []

    async def sleep(seconds: float) -> None:
        asked.append(seconds)

    client.app.state.sleep = sleep  # type: ignore[attr-defined]
    return asked


@pytest.fixture
def editor(seeded_url: str) -> str:
    from bot.web.auth import add_staff

    with session_scope(seeded_url) as session:
        add_staff(session, EDITOR, PASSWORD, "test", "editor")
    return EDITOR


def another_browser(client: TestClient, address: str = "testclient") -> TestClient:
    """A second browser on the same website (its own cookies), from ``address``."""
    other = TestClient(client.app, base_url="http://localhost", client=(address, 50001))
    return other


def try_sign_in(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf(client.get("/admin/login").text)
    return client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def sign_in_as(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = try_sign_in(client, username, password)
    assert response.status_code == 303, response.text
    return csrf(client.get("/admin").text)


def alert(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'role="alert">(.*?)</div>', response.text, re.S)
    return found.group(1).strip() if found else ""


def audit_rows(url: str) -> list[tuple[str, str, str | None, str]]:
    with session_scope(url) as session:
        return [
            (e.actor, e.action, e.topic_key, e.detail)
            for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]


# --- accounts in the browser --------------------------------------------------------------


def test_an_approver_adds_an_editor_who_can_then_sign_in(client, seeded_url) -> None:
    token = sign_in_as(client, STAFF)
    page = client.get("/admin/staff")
    assert page.status_code == 200 and f"{STAFF} (you)" in page.text
    response = client.post(
        "/admin/staff",
        data={
            "csrf_token": token,
            "username": "sister.ward",
            "role": "editor",
            "password": "a long first password",
            "password_again": "a long first password",
        },
    )
    assert response.status_code == 200 and "Account sister.ward created (editor)" in response.text
    with session_scope(seeded_url) as session:
        user = session.execute(
            select(StaffUser).where(StaffUser.username == "sister.ward")
        ).scalar_one()
        assert user.role == "editor" and user.password_hash.startswith("$argon2")
    assert (STAFF, "staff_add", None, "account sister.ward created (editor)") in audit_rows(
        seeded_url
    )
    sign_in_as(another_browser(client), "sister.ward", "a long first password")


def test_adding_an_account_with_a_taken_name_or_short_password_is_refused_plainly(
    client, seeded_url
) -> None:
    token = sign_in_as(client, STAFF)
    form = {"csrf_token": token, "username": STAFF, "role": "editor"}
    taken = client.post(
        "/admin/staff", data={**form, "password": PASSWORD, "password_again": PASSWORD}
    )
    assert taken.status_code == 422 and "There is already an account called" in taken.text
    short = client.post(
        "/admin/staff",
        data={**form, "username": "new.one", "password": "short", "password_again": "short"},
    )
    assert short.status_code == 422 and "at least 10 characters" in short.text
    # the approver's own password was not changed by the refused "add"
    sign_in_as(another_browser(client), STAFF)


def test_an_editor_cannot_open_or_use_the_staff_page(client, editor) -> None:
    token = sign_in_as(client, editor)
    assert "/admin/staff" not in client.get("/admin").text  # not in the menu
    assert client.get("/admin/staff").status_code == 403
    response = client.post(f"/admin/staff/{STAFF}/disable", data={"csrf_token": token})
    assert response.status_code == 403 and "Only an approver" in response.text
    sign_in_as(another_browser(client), STAFF)  # still active


def test_disabling_an_account_ends_its_open_session_and_stops_sign_in(
    client, editor, seeded_url
) -> None:
    theirs = another_browser(client)
    sign_in_as(theirs, editor)
    assert theirs.get("/admin", follow_redirects=False).status_code == 200
    token = sign_in_as(client, STAFF)
    response = client.post(f"/admin/staff/{editor}/disable", data={"csrf_token": token})
    assert f"{editor} is disabled" in response.text
    # The editor's next click: signed out (the cookie alone is not enough).
    after = theirs.get("/admin", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/admin/login"
    assert theirs.get("/admin/api/training").status_code == 401
    # Signing in again gets the same reply as a wrong password.
    refused = try_sign_in(theirs, editor, PASSWORD)
    assert refused.status_code == 401 and alert(refused) == "Wrong user name or password."
    client.post(f"/admin/staff/{editor}/enable", data={"csrf_token": token})
    sign_in_as(theirs, editor)
    actions = [(a, act) for a, act, _, _ in audit_rows(seeded_url)]
    assert (STAFF, "staff_disable") in actions and (STAFF, "staff_enable") in actions


def test_a_new_password_ends_open_sessions_and_only_the_new_one_works(client, editor) -> None:
    theirs = another_browser(client)
    sign_in_as(theirs, editor)
    token = sign_in_as(client, STAFF)
    new = "a brand new password"
    response = client.post(
        f"/admin/staff/{editor}/password",
        data={"csrf_token": token, "password": new, "password_again": new},
    )
    assert f"New password set for {editor}" in response.text
    assert theirs.get("/admin", follow_redirects=False).status_code == 303
    assert try_sign_in(theirs, editor, PASSWORD).status_code == 401
    sign_in_as(theirs, editor, new)


def test_an_approver_cannot_disable_or_demote_themselves_and_roles_apply_at_once(
    client, editor, seeded_url
) -> None:
    token = sign_in_as(client, STAFF)
    for action, data in (("disable", {}), ("role", {"role": "editor"})):
        response = client.post(f"/admin/staff/{STAFF}/{action}", data={"csrf_token": token, **data})
        assert response.status_code == 422 and "your own account" in response.text
    response = client.post(
        f"/admin/staff/{editor}/role", data={"csrf_token": token, "role": "approver"}
    )
    assert f"{editor} is now an approver" in response.text
    theirs = another_browser(client)
    their_token = sign_in_as(theirs, editor)
    theirs.post(f"/admin/staff/{STAFF}/role", data={"csrf_token": their_token, "role": "editor"})
    # STAFF's open session now has an editor's rights, from the next page on.
    assert client.get("/admin/staff").status_code == 403
    assert "Save and ask for approval" in client.get("/admin/topics/schedule").text
    assert (editor, "staff_role", None, f"{STAFF} is now an editor") in audit_rows(seeded_url)


# --- roles and the approval step ------------------------------------------------------------


def test_an_editors_draft_awaits_approval_and_an_approver_publishes_it(
    client, editor, seeded_url
) -> None:
    before = get_live_content(seeded_url).entries["schedule"].answer
    theirs = another_browser(client)
    token = sign_in_as(theirs, editor)
    page = theirs.get("/admin/topics/schedule").text
    assert "Save and ask for approval" in page and "Save and publish" not in page
    form = edit_form(theirs, "schedule", token, answer="Every **12 weeks**.", action="ask")
    response = theirs.post("/admin/topics/schedule", data=form)
    assert "Saved as version 2, awaiting approval" in response.text
    assert get_live_content(seeded_url).entries["schedule"].answer == before
    assert "Awaiting approval" in theirs.get("/admin").text

    approver_token = sign_in_as(client, STAFF)
    page = client.get("/admin/topics/schedule").text
    assert f"asked by\n    <strong>{editor}</strong>" in page
    assert "Approve and publish version 2" in page
    response = client.post("/admin/topics/schedule/publish", data={"csrf_token": approver_token})
    assert "Version 2 is live" in response.text
    assert get_live_content(seeded_url).entries["schedule"].answer == "Every **12 weeks**."
    steps = [(a, act, d) for a, act, key, d in audit_rows(seeded_url) if key == "schedule"]
    assert steps == [
        (editor, "save_draft", "saved version 2"),
        (editor, "request_approval", "version 2 awaits approval"),
        (STAFF, "approve", f"published version 2, asked for by {editor}"),
    ]
    assert "Awaiting approval" not in client.get("/admin").text


def test_an_editor_cannot_publish_even_with_a_hand_made_form(client, editor, seeded_url) -> None:
    before = get_live_content(seeded_url).entries["schedule"].answer
    token = sign_in_as(client, editor)
    form = edit_form(client, "schedule", token, answer="Sneaked in.", action="publish")
    response = client.post("/admin/topics/schedule", data=form)
    assert "awaiting approval" in response.text
    for action, data in (("publish", {}), ("rollback", {"version": "1"})):
        response = client.post(
            f"/admin/topics/schedule/{action}", data={"csrf_token": token, **data}
        )
        assert "Only an approver can make a version live" in response.text
    assert get_live_content(seeded_url).entries["schedule"].answer == before
    assert "Roll back to version" not in client.get("/admin/topics/schedule/history").text
    # Taking an answer down is open to editors: it only ever gives the clinic's number.
    client.post("/admin/topics/schedule/take-down", data={"csrf_token": token})
    assert "schedule" not in get_live_content(seeded_url).entries


def test_a_newer_draft_withdraws_the_request_for_approval(client, editor, seeded_url) -> None:
    token = sign_in_as(client, editor)
    client.post(
        "/admin/topics/schedule",
        data=edit_form(client, "schedule", token, answer="One.", action="ask"),
    )
    client.post(
        "/admin/topics/schedule",
        data=edit_form(client, "schedule", token, answer="Two.", action="save"),
    )
    with session_scope(seeded_url) as session:
        assert get_topic(session, "schedule").review_version is None
    page = client.get("/admin/topics/schedule").text
    assert "Ask for approval of version 3" in page and "Awaiting approval" not in page
    response = client.post("/admin/topics/schedule/ask-approval", data={"csrf_token": token})
    assert "Version 3 is awaiting approval" in response.text


def test_an_editors_example_question_from_insights_awaits_approval(
    client, editor, seeded_url
) -> None:
    token = sign_in_as(client, editor)
    question = "do the jabs come round every three months"
    response = client.post(
        "/admin/insights/add-example",
        data={"csrf_token": token, "key": "schedule", "text": question, "days": "30"},
    )
    assert "awaiting approval" in response.text
    with session_scope(seeded_url) as session:
        topic = get_topic(session, "schedule")
        assert topic.live_version == 1 and topic.review_version == 2
        assert question in latest_version(topic).examples_json


# --- sign-in protection ---------------------------------------------------------------------


def test_wrong_passwords_are_slowed_then_lock_the_account_after_five_tries(
    client, clock, waits, seeded_url
) -> None:
    replies = []
    for _ in range(ACCOUNT_FAILURES):
        replies.append(try_sign_in(client, STAFF, "not the password"))
        clock.now += timedelta(seconds=20)
    assert [r.status_code for r in replies] == [401, 401, 401, 401, 429]
    assert waits == [1.0, 2.0, 4.0]  # the last three tries before the lock
    assert "After 1 more wrong try" in alert(replies[3])
    assert "paused until 09:16 (15 minutes after the last one)" in alert(replies[4])
    # Locked: even the right password is not checked, and no wait is asked for.
    locked = try_sign_in(client, STAFF, PASSWORD)
    assert locked.status_code == 429 and locked.headers["retry-after"]
    assert waits == [1.0, 2.0, 4.0]
    # 15 minutes after the fifth failure, the right password works.
    clock.now = START + 4 * timedelta(seconds=20) + LOCK_TIME + timedelta(seconds=1)
    sign_in_as(client, STAFF)
    actions = [act for _, act, _, _ in audit_rows(seeded_url)]
    assert actions.count("sign_in_failed") == 5 and actions.count("sign_in_locked") == 1


def test_an_unknown_name_gets_the_same_replies_and_waits_as_a_real_one(
    client, clock, waits, seeded_url
) -> None:
    def attempts(username: str, address: str) -> list[tuple[int, str, list[float]]]:
        browser = another_browser(client, address)
        seen = []
        for _ in range(ACCOUNT_FAILURES + 1):
            asked_before = len(waits)
            reply = try_sign_in(browser, username, "not the password")
            seen.append((reply.status_code, alert(reply), waits[asked_before:]))
        return seen

    real = attempts(STAFF, "10.0.0.1")
    invented = attempts("no.such.person", "10.0.0.2")
    assert real == invented
    assert [status for status, _, _ in real] == [401, 401, 401, 401, 429, 429]
    # The audit log names the real account, never a name that is not one.
    actors = {actor for actor, act, _, _ in audit_rows(seeded_url) if act == "sign_in_failed"}
    assert actors == {STAFF, "(a name with no account)"}


def test_many_names_from_one_address_lock_that_address_only(client, clock, waits) -> None:
    attacker = another_browser(client, "203.0.113.9")
    for n in range(ADDRESS_FAILURES):
        reply = try_sign_in(attacker, f"guess{n}", "not the password")
        clock.now += timedelta(seconds=5)
    assert reply.status_code == 429
    assert try_sign_in(attacker, STAFF, PASSWORD).status_code == 429
    sign_in_as(another_browser(client, "198.51.100.7"), STAFF)


def test_the_lock_holds_in_every_web_process(client, clock, waits, seeded_url, tmp_path) -> None:
    from bot.settings import load_settings
    from bot.web.app import create_app

    settings = dataclasses.replace(
        load_settings(), var_dir=tmp_path, database_url=seeded_url, rasa_port=9
    )
    second = create_app(settings)  # another replica: nothing shared but the database
    second.state.clock = clock
    second.state.sleep = client.app.state.sleep  # type: ignore[attr-defined]
    for _ in range(ACCOUNT_FAILURES):
        try_sign_in(client, STAFF, "not the password")
    other = TestClient(second, base_url="http://localhost", client=("10.9.9.9", 1))
    assert try_sign_in(other, STAFF, PASSWORD).status_code == 429


def test_signing_in_clears_the_count_and_a_new_password_lifts_the_lock(
    client, clock, waits, editor
) -> None:
    theirs = another_browser(client, "10.0.0.5")
    for _ in range(ACCOUNT_FAILURES - 1):
        try_sign_in(theirs, editor, "not the password")
    sign_in_as(theirs, editor)
    for _ in range(ACCOUNT_FAILURES - 1):
        assert try_sign_in(theirs, editor, "not the password").status_code == 401
    assert try_sign_in(theirs, editor, "not the password").status_code == 429
    token = sign_in_as(client, STAFF)
    new = "a brand new password"
    client.post(
        f"/admin/staff/{editor}/password",
        data={"csrf_token": token, "password": new, "password_again": new},
    )
    sign_in_as(another_browser(client, "10.0.0.6"), editor, new)


def test_the_wrong_password_reply_is_not_about_saving(client) -> None:
    reply = try_sign_in(client, STAFF, "not the password")
    assert alert(reply) == "Wrong user name or password."
    assert "Not saved" not in reply.text


# --- a readable audit log ------------------------------------------------------------------


def test_the_audit_log_names_entries_by_title(client, seeded_url) -> None:
    token = sign_in_as(client, STAFF)
    client.post("/admin/topics/schedule", data=edit_form(client, "schedule", token, answer="New."))
    title = get_live_content(seeded_url).entries["schedule"].title
    page = client.get("/admin/audit").text
    assert f'<a href="/admin/topics/schedule/history">{title}</a>' in page
    assert ">schedule</a>" not in page
