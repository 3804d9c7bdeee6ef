"""The admin pages over HTTP (in-process): nothing answers without signing in, CSRF on
every POST, plain-words validation, publishing, history, audit log, export/import."""

from __future__ import annotations

import html
import re

import pytest
from starlette.testclient import TestClient

from bot.content.repository import get_live_content
from tests.admin.conftest import PASSWORD, STAFF

PAGES = [
    ("GET", "/admin"),
    ("GET", "/admin/topics/new"),
    ("GET", "/admin/topics/schedule"),
    ("GET", "/admin/topics/schedule/history"),
    ("GET", "/admin/audit"),
    ("GET", "/admin/export"),
    ("GET", "/admin/import"),
    ("GET", "/admin/callbacks"),
    ("GET", "/admin/callbacks?show=all"),
    ("GET", "/admin/insights"),
    ("GET", "/admin/clinic"),
    ("POST", "/admin/topics/schedule"),
    ("POST", "/admin/topics/schedule/publish"),
    ("POST", "/admin/topics/schedule/take-down"),
    ("POST", "/admin/topics/schedule/rollback"),
    ("POST", "/admin/topics/schedule/discard"),
    ("POST", "/admin/topics/new"),
    ("POST", "/admin/import"),
    ("POST", "/admin/retrain"),
    ("POST", "/admin/callbacks/1/done"),
    ("POST", "/admin/insights/dismiss"),
    ("POST", "/admin/clinic"),
    ("POST", "/admin/logout"),
]


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient) -> str:
    token = csrf(client.get("/admin/login").text)
    response = client.post(
        "/admin/login",
        data={"username": STAFF, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    return csrf(client.get("/admin").text)


def edit_form(client: TestClient, key: str, token: str, **changes: str) -> dict[str, str]:
    html = client.get(f"/admin/topics/{key}").text
    answer = re.search(r'<textarea id="answer"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    examples = re.search(r'<textarea id="examples"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    sources = re.search(r'id="sources" name="sources" required value="([^"]*)"', html).group(1)
    title = re.search(r'id="title" name="title" maxlength="40" required value="([^"]*)"', html)
    import html as html_lib

    form = {
        "csrf_token": token,
        "title": html_lib.unescape(title.group(1)),
        "answer": html_lib.unescape(answer),
        "examples": html_lib.unescape(examples),
        "sources": html_lib.unescape(sources),
        "action": "publish",
    }
    form.update(changes)
    return form


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_no_admin_page_or_api_answers_without_signing_in(client, method, path) -> None:
    response = client.request(method, path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    assert "Bringing" not in response.text and "schedule" not in response.text


def test_the_api_answers_401_without_signing_in(client) -> None:
    assert client.get("/admin/api/training").status_code == 401
    assert client.post("/admin/api/check", data={"text": "x"}).status_code == 401
    preview = client.post("/admin/api/topics/schedule/preview", data={"message": "how often?"})
    assert preview.status_code == 401


def test_wrong_password_is_refused_and_not_told_apart_from_a_wrong_name(client) -> None:
    token = csrf(client.get("/admin/login").text)
    wrong_password = client.post(
        "/admin/login", data={"username": STAFF, "password": "nope", "csrf_token": token}
    )
    wrong_name = client.post(
        "/admin/login", data={"username": "nobody", "password": "nope", "csrf_token": token}
    )
    assert wrong_password.status_code == wrong_name.status_code == 401
    assert "Wrong user name or password." in wrong_password.text
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_a_post_without_the_csrf_token_is_refused(client, seeded_url) -> None:
    token = sign_in(client)
    form = edit_form(client, "schedule", token, answer="Changed without a token.")
    del form["csrf_token"]
    response = client.post("/admin/topics/schedule", data=form)
    assert response.status_code == 403
    form["csrf_token"] = "forged"
    assert client.post("/admin/topics/schedule", data=form).status_code == 403
    assert "Changed" not in get_live_content(seeded_url).entries["schedule"].answer


def test_login_form_needs_the_csrf_token_too(client) -> None:
    client.get("/admin/login")
    response = client.post("/admin/login", data={"username": STAFF, "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_list_and_search_topics(client) -> None:
    sign_in(client)
    page = client.get("/admin").text
    assert "How often it is given" in page and "Side effects" in page
    found = client.get("/admin", params={"q": "acetylcholine"}).text
    assert "How it works" in found and "Side effects" not in found


def test_topic_excerpts_are_plain_words_without_markdown_marks(client) -> None:
    sign_in(client)
    page = client.get("/admin", params={"q": "12 weeks"}).text
    row = page[page.index(">How often it is given</a>") :]
    cell = re.search(r'<td class="excerpt">(.*?)</td>', row, re.S).group(1)
    assert cell.startswith("Injections are given every 12 weeks, in the clinic.")
    assert "**" not in cell and cell.endswith("...") and len(html.unescape(cell)) <= 93


def test_edit_and_publish_is_live_at_once_and_audited(client, seeded_url) -> None:
    token = sign_in(client)
    form = edit_form(client, "schedule", token, answer="Every **12 weeks**. Edited in a browser.")
    response = client.post("/admin/topics/schedule", data=form)
    assert response.status_code == 200 and "is live" in response.text
    live = get_live_content(seeded_url).entries["schedule"]
    assert live.answer == "Every **12 weeks**. Edited in a browser."
    audit = client.get("/admin/audit").text
    assert f"<td>{STAFF}</td><td>publish</td>" in audit
    assert f"<td>{STAFF}</td><td>save draft</td>" in audit
    assert f"<td>{STAFF}</td><td>sign in</td>" in audit


def test_save_as_draft_does_not_change_what_patients_get(client, seeded_url) -> None:
    token = sign_in(client)
    before = get_live_content(seeded_url).entries["schedule"].answer
    form = edit_form(client, "schedule", token, answer="Draft wording.", action="save")
    assert "a draft" in client.post("/admin/topics/schedule", data=form).text
    assert get_live_content(seeded_url).entries["schedule"].answer == before


def test_html_in_an_answer_is_refused_with_a_plain_message(client, seeded_url) -> None:
    token = sign_in(client)
    form = edit_form(client, "schedule", token, answer="<script>alert('x')</script>")
    response = client.post("/admin/topics/schedule", data=form)
    assert response.status_code == 422
    assert "contains HTML, a script link or an image" in response.text
    assert "<script>alert" not in response.text  # shown back escaped, never as markup
    assert "&lt;script&gt;" in response.text
    assert "script" not in get_live_content(seeded_url).entries["schedule"].answer


def test_too_few_examples_for_a_new_topic_is_refused(client) -> None:
    token = sign_in(client)
    response = client.post(
        "/admin/topics/new",
        data={
            "csrf_token": token,
            "title": "Bringing someone",
            "answer": "You can bring one person.",
            "examples": "can I bring a friend\ncan my mum come",
            "sources": "Clinic policy",
        },
    )
    assert response.status_code == 422 and "it needs at least 5 different ones" in response.text


def test_history_shows_the_diff_and_rollback_restores(client, seeded_url) -> None:
    token = sign_in(client)
    original = get_live_content(seeded_url).entries["schedule"].answer
    client.post("/admin/topics/schedule", data=edit_form(client, "schedule", token, answer="New."))
    history = client.get("/admin/topics/schedule/history").text
    assert '<span class="add">+ New.</span>' in history
    assert "Roll back to version 1" in history
    response = client.post(
        "/admin/topics/schedule/rollback", data={"csrf_token": token, "version": "1"}
    )
    assert "Version 3 is live" in response.text
    assert get_live_content(seeded_url).entries["schedule"].answer == original


def test_take_down_then_publish_again(client, seeded_url) -> None:
    token = sign_in(client)
    client.post("/admin/topics/side_effects/take-down", data={"csrf_token": token})
    assert "side_effects" not in get_live_content(seeded_url).entries
    client.post("/admin/topics/side_effects/publish", data={"csrf_token": token})
    assert "side_effects" in get_live_content(seeded_url).entries


def test_export_and_import(client, seeded_url) -> None:
    token = sign_in(client)
    exported = client.get("/admin/export")
    assert exported.headers["content-disposition"].endswith('filename="faq-topics.yml"')
    text = exported.text.replace("Injections are given", "Imported: injections are given", 1)
    response = client.post(
        "/admin/import",
        data={"csrf_token": token},
        files={"file": ("faq-topics.yml", text.encode(), "application/x-yaml")},
    )
    assert response.status_code == 200 and "Imported as drafts: 0 new, 1 changed" in response.text
    bad = text.replace("Imported: injections are given", "<b>bold</b>", 1)
    response = client.post(
        "/admin/import",
        data={"csrf_token": token},
        files={"file": ("faq-topics.yml", bad.encode(), "application/x-yaml")},
    )
    assert response.status_code == 422 and "Nothing was imported" in response.text


def test_sign_out_ends_the_session(client) -> None:
    token = sign_in(client)
    client.post("/admin/logout", data={"csrf_token": token})
    assert client.get("/admin", follow_redirects=False).status_code == 303
