"""The edit page's helpers over HTTP (in-process, SQLite and PostgreSQL): the check while
typing, the draft preview chat when the assistant cannot be reached or the draft is not
valid, and discarding a draft (CSRF, audited, the live text unchanged). The preview
against the running assistant is tested in tests/admin/test_draft_preview_stack.py."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from bot.content.repository import TopicDraft, create_topic, get_live_content, get_topic
from bot.db.faq_models import AuditEntry
from bot.db.session import session_scope
from tests.admin.conftest import PASSWORD, STAFF
from tests.admin.test_admin_http import edit_form, sign_in


def answer_on_page(page: str) -> str:
    found = re.search(r'<textarea id="answer"[^>]*>(.*?)</textarea>', page, re.S)
    assert found is not None
    return html.unescape(found.group(1))


def audit_entries(url: str, action: str) -> list[tuple[str, str | None, str]]:
    with session_scope(url) as session:
        rows = session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars()
        return [(r.actor, r.topic_key, r.detail) for r in rows]


# --- check while typing -----------------------------------------------------------------


def test_the_text_check_says_what_publishing_would_refuse(client) -> None:
    token = sign_in(client)
    refused = client.post(
        "/admin/api/check", data={"csrf_token": token, "text": "Hi <b>there</b>"}
    ).json()
    assert refused["ok"] is False and "contains HTML" in refused["message"]
    unknown = client.post(
        "/admin/api/check", data={"csrf_token": token, "field": "more", "text": "Ring {phone}"}
    ).json()
    assert unknown["ok"] is False
    assert unknown["message"].startswith('The "tell me more" text: unknown placeholder')
    fine = client.post(
        "/admin/api/check", data={"csrf_token": token, "text": "Every **12 weeks**."}
    ).json()
    assert fine["ok"] is True and fine["findings"] == ["19 of 1500 characters."]
    # the longer answer is optional: empty is not a problem there, but it is for the answer
    empty_more = {"csrf_token": token, "field": "more", "text": " "}
    assert client.post("/admin/api/check", data=empty_more).json()["ok"] is True
    empty_answer = client.post("/admin/api/check", data={"csrf_token": token, "text": ""}).json()
    assert empty_answer["ok"] is False and "empty" in empty_answer["message"]


def test_the_text_check_warns_about_a_hard_reading_level_without_refusing_it(client) -> None:
    token = sign_in(client)
    hard = (
        "Onabotulinumtoxin administration necessitates intramuscular injections distributed "
        "across predetermined anatomical locations, facilitating prophylactic modulation of "
        "nociceptive neurotransmission, consequently diminishing cumulative migraine frequency "
        "considerably throughout subsequent treatment intervals."
    )
    result = client.post("/admin/api/check", data={"csrf_token": token, "text": hard}).json()
    assert result["ok"] is True
    assert any(f.startswith("Reading level: about grade") for f in result["findings"])
    easy = "Injections are given every 12 weeks. " * 4
    result = client.post("/admin/api/check", data={"csrf_token": token, "text": easy}).json()
    assert not any("Reading level" in f for f in result["findings"])


def test_the_check_needs_the_csrf_token(client) -> None:
    sign_in(client)
    assert client.post("/admin/api/check", data={"text": "x"}).status_code == 403


def test_the_edit_page_has_the_check_the_draft_chat_and_the_unsaved_warning(client) -> None:
    token = sign_in(client)
    page = client.get("/admin/topics/schedule").text
    assert 'data-check="answer"' in page and 'id="answer-check"' in page
    assert 'data-url="/admin/api/topics/schedule/preview"' in page
    assert "Try the draft" in page and '<form method="post" action="/admin/topics/schedule"' in page
    assert "data-unsaved-warning" in page and 'data-unsaved="true"' not in page
    # the question box has no name: it is never saved with the entry
    assert re.search(r'<input id="try-question"(?![^>]*name=)[^>]*>', page)
    # a refused save shows the page again with text that is not saved: it starts unsaved
    refused = client.post(
        "/admin/topics/schedule", data=edit_form(client, "schedule", token, answer="<b>x</b>")
    )
    assert refused.status_code == 422 and 'data-unsaved="true"' in refused.text
    # the new-topic page has the check and the warning, not the draft chat (no entry yet)
    new = client.get("/admin/topics/new").text
    assert 'data-check="answer"' in new and "data-unsaved-warning" in new
    assert "Try the draft" not in new


# --- the draft preview chat, without the assistant ----------------------------------------


def test_the_preview_says_plainly_when_the_assistant_cannot_be_reached(client) -> None:
    token = sign_in(client)  # this client's Rasa port (9) answers nothing
    form = edit_form(client, "schedule", token, answer="A draft.", message="how often?")
    response = client.post("/admin/api/topics/schedule/preview", data=form)
    assert response.status_code == 503
    assert response.json()["ok"] is False
    assert "cannot be reached just now" in response.json()["message"]


def test_the_preview_refuses_an_empty_question_or_a_draft_that_could_not_be_published(
    client,
) -> None:
    token = sign_in(client)
    empty = client.post(
        "/admin/api/topics/schedule/preview",
        data=edit_form(client, "schedule", token, message="  "),
    )
    assert empty.status_code == 422 and "Type a question" in empty.json()["message"]
    markup = client.post(
        "/admin/api/topics/schedule/preview",
        data=edit_form(client, "schedule", token, answer="<script>x</script>", message="hi?"),
    )
    assert markup.status_code == 422
    assert markup.json()["message"].startswith("The draft cannot be tried yet.")
    assert "contains HTML" in markup.json()["message"]
    missing = client.post(
        "/admin/api/topics/nothing_here/preview", data={"csrf_token": token, "message": "hi?"}
    )
    assert missing.status_code == 404
    forged = client.post(
        "/admin/api/topics/schedule/preview", data={"csrf_token": "forged", "message": "hi?"}
    )
    assert forged.status_code == 403


# --- discarding a draft -------------------------------------------------------------------


def test_discarding_a_draft_brings_back_the_live_text_and_is_audited(client, seeded_url) -> None:
    token = sign_in(client)
    live = get_live_content(seeded_url).entries["schedule"].answer
    for wording in ("First draft.", "Second draft."):
        form = edit_form(client, "schedule", token, answer=wording, action="save")
        client.post("/admin/topics/schedule", data=form)
    page = client.get("/admin/topics/schedule").text
    assert answer_on_page(page) == "Second draft." and "Discard the draft" in page

    done = client.post("/admin/topics/schedule/discard", data={"csrf_token": token})
    assert done.status_code == 200 and "Draft discarded (versions 2, 3)" in done.text
    assert answer_on_page(done.text) == live  # the page shows the live text again
    assert "Discard the draft" not in done.text and "not live yet" not in done.text
    assert get_live_content(seeded_url).entries["schedule"].answer == live
    assert audit_entries(seeded_url, "discard_draft") == [
        (STAFF, "schedule", "discarded versions 2, 3 (never live); version 1 stays live")
    ]
    history = client.get("/admin/topics/schedule/history").text
    assert "Version 2" not in history and "Version 1" in history
    # the next save is version 2 again, and can be published as usual
    client.post("/admin/topics/schedule", data=edit_form(client, "schedule", token, answer="New."))
    assert get_live_content(seeded_url).entries["schedule"].answer == "New."


def test_discard_needs_the_csrf_token_and_a_draft(client, seeded_url) -> None:
    token = sign_in(client)
    client.post(
        "/admin/topics/schedule",
        data=edit_form(client, "schedule", token, answer="A draft.", action="save"),
    )
    assert client.post("/admin/topics/schedule/discard").status_code == 403
    forged = client.post("/admin/topics/schedule/discard", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    with session_scope(seeded_url) as session:
        assert [v.number for v in get_topic(session, "schedule").versions] == [1, 2]
    nothing = client.post("/admin/topics/side_effects/discard", data={"csrf_token": token})
    assert "Not done: There is no draft to discard" in nothing.text
    assert audit_entries(seeded_url, "discard_draft") == []
    missing = client.post("/admin/topics/nothing_here/discard", data={"csrf_token": token})
    assert missing.status_code == 404


def test_discarding_a_draft_awaiting_approval_withdraws_the_request(client, seeded_url) -> None:
    from bot.web.auth import add_staff
    from tests.admin.test_staff_http import sign_in_as

    with session_scope(seeded_url) as session:  # STAFF, the first account, approves
        add_staff(session, "editor.evans", PASSWORD, "test", "editor")
    token = sign_in_as(client, "editor.evans")
    asked = edit_form(client, "schedule", token, answer="For approval.", action="ask")
    assert "awaiting approval" in client.post("/admin/topics/schedule", data=asked).text
    done = client.post("/admin/topics/schedule/discard", data={"csrf_token": token})
    assert "Draft discarded (version 2)" in done.text and "Awaiting approval" not in done.text
    with session_scope(seeded_url) as session:
        topic = get_topic(session, "schedule")
        assert topic.review_version is None and topic.review_requested_by is None
    assert audit_entries(seeded_url, "discard_draft") == [
        (
            "editor.evans",
            "schedule",
            "discarded version 2 (never live); version 1 stays live; its request for "
            "approval is withdrawn",
        )
    ]


def test_a_topic_never_published_has_no_live_text_to_go_back_to(client, seeded_url) -> None:
    token = sign_in(client)
    with session_scope(seeded_url) as session:
        key = create_topic(
            session,
            TopicDraft(
                title="Parking at the clinic",
                answer="There is free parking.",
                sources=["Clinic policy"],
                examples=[f"where do I park {n}" for n in range(5)],
            ),
            STAFF,
        )
    page = client.get(f"/admin/topics/{key}").text
    assert "Discard the draft" not in page
    refused = client.post(f"/admin/topics/{key}/discard", data={"csrf_token": token})
    assert "never been published" in refused.text
    with session_scope(seeded_url) as session:
        assert len(get_topic(session, key).versions) == 1
