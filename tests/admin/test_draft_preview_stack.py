"""The draft preview chat over HTTP, against the real stack (the shared one of
tests/conftest.py: Rasa server, action server and website): the website asks the running
Rasa server's NLU which entry a question is for, and answers with the text on the edit
page, saved or not, while patients keep getting the published text."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from bot.content.repository import get_live_content
from bot.db.session import session_scope
from bot.web.auth import add_staff
from tests.admin.test_admin_http import csrf, edit_form
from tests.e2e.chat import Chat

pytestmark = pytest.mark.e2e

QUESTION = "how often do I need the injections?"  # the entry "schedule"
PASSWORD = "correct horse battery"


@dataclass
class Answer:
    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class WebClient:
    """The website over real HTTP, with a cookie jar (the staff session), following
    redirects: the calls the admin tests' helpers make of a TestClient."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def _open(self, request: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode())

    def get(self, path: str) -> Answer:
        return self._open(urllib.request.Request(self.base_url + path))

    def post(self, path: str, data: dict[str, str]) -> Answer:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=body))


@pytest.fixture
def staff_client(stack):  # type: ignore[no-untyped-def]
    """The stack's website, signed in as a staff member of its own (the database is
    shared with other tests: nothing here is left in it but the account)."""
    name = f"preview.{uuid.uuid4().hex[:8]}"
    with session_scope(stack.settings.database_url) as session:
        add_staff(session, name, PASSWORD, "test")
    client = WebClient(stack.web_url)
    token = csrf(client.get("/admin/login").text)
    signed_in = client.post(
        "/admin/login", data={"username": name, "password": PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 200 and "Sign out" in signed_in.text
    return client


def test_the_preview_answers_with_the_draft_while_patients_get_the_published_text(
    stack, staff_client
) -> None:
    published = get_live_content(stack.settings.database_url).entries["schedule"].answer
    token = csrf(staff_client.get("/admin/topics/schedule").text)
    draft = "Injections are given **every 12 weeks** (a draft wording, not saved)."
    form = edit_form(staff_client, "schedule", token, answer=draft, message=QUESTION)

    preview = staff_client.post("/admin/api/topics/schedule/preview", data=form)
    assert preview.status_code == 200, preview.text
    result = preview.json()
    assert result["preview"] is True and result["from_draft"] is True
    assert result["intent"] == "faq_schedule" and result["chosen"] == "schedule"
    assert 0.5 <= result["confidence"] <= 1.0
    assert result["messages"][0]["text"] == draft
    assert f'"How often it is given" ({round(result["confidence"] * 100)}% sure)' in result["note"]
    assert "your draft's text (not live yet)" in result["note"]

    # A patient asking the same meanwhile gets the published text, not the draft.
    live = Chat(stack.rasa_url).say(QUESTION)
    assert published.split("\n")[0] in live and "a draft wording" not in live

    # Another entry's question is answered with that entry's live text, and says so.
    form["message"] = "how does botox work?"
    other = staff_client.post("/admin/api/topics/schedule/preview", data=form).json()
    how_it_works = get_live_content(stack.settings.database_url).entries["how_it_works"]
    assert other["chosen"] == "how_it_works" and other["from_draft"] is False
    assert other["messages"][0]["text"].startswith(how_it_works.answer.split("\n")[0])
    assert "the live text" in other["note"]
    # Nothing was saved: the page still has the published text.
    assert "a draft wording" not in staff_client.get("/admin/topics/schedule").text
