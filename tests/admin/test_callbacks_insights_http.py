"""The call-back inbox and the insights page over HTTP (in-process, SQLite and PostgreSQL):
sign-in required (tests/admin/test_admin_http.py lists them with the other protected
pages), newest first, patient text shown as text, mark done with CSRF, audited; the
insights' questions 50 to a page, junk dismissed in one click (CSRF, audited)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.faq_models import AuditEntry
from bot.db.models import CallbackRequest, utc_now
from bot.db.session import session_scope
from bot.handoff.callbacks import save_callback
from bot.insights import records as insights
from tests.admin.conftest import STAFF
from tests.admin.test_admin_http import sign_in

# Wednesday 1 July 2026 in UTC; the clinic is in Europe/London (BST, UTC+1), open
# Mon-Fri 09:00-17:00 by default.
IN_HOURS = datetime(2026, 7, 1, 9, 30)  # 10:30 BST
OUT_OF_HOURS = datetime(2026, 7, 1, 18, 15)  # 19:15 BST


@pytest.fixture(autouse=True)
def default_clinic_hours(monkeypatch) -> None:
    for name in ("CLINIC_OPENING_HOURS", "CLINIC_TIMEZONE", "BOT_FIXED_NOW"):
        monkeypatch.delenv(name, raising=False)


def add_request(url: str, name: str, at: datetime, **fields: object) -> int:
    transcript = fields.pop(
        "transcript",
        [
            {"from": "patient", "text": f"can a nurse ring me ({name})"},
            {"from": "bot", "text": "You can talk to the clinic team."},
        ],
    )
    with session_scope(url) as session:
        row = save_callback(
            session,
            conversation_id=f"conv-{name}",
            name=name,
            phone=str(fields.get("phone", "020 7946 0123")),
            best_time=str(fields.get("best_time", "mornings")),
            reason=str(fields.get("reason", "my next appointment")),
            transcript=transcript,
            now=at,
        )
        return row.id


def stored(url: str, request_id: int) -> CallbackRequest:
    with session_scope(url) as session:
        row = session.get(CallbackRequest, request_id)
        session.expunge(row)
        return row


# --- the call-back inbox ------------------------------------------------------------------


def test_inbox_shows_open_requests_newest_first_with_their_transcript(
    client,
    seeded_url,
) -> None:
    add_request(seeded_url, "Older Patient", IN_HOURS)
    add_request(seeded_url, "Newer Patient", IN_HOURS + timedelta(hours=2), reason="side effects")
    sign_in(client)
    page = client.get("/admin/callbacks").text
    assert page.index("Newer Patient") < page.index("Older Patient")
    assert "side effects" in page and "020 7946 0123" in page and "mornings" in page
    assert "can a nurse ring me (Newer Patient)" in page
    assert "<details" in page and "(2 messages)" in page  # the transcript, expandable
    assert "Call-backs (2 open)" in page  # in the navigation, on every page
    assert "Call-backs (2 open)" in client.get("/admin").text


def test_times_are_the_clinics_and_out_of_hours_requests_are_marked(
    client,
    seeded_url,
) -> None:
    add_request(seeded_url, "Daytime Caller", IN_HOURS)
    add_request(seeded_url, "Evening Caller", OUT_OF_HOURS)
    sign_in(client)
    page = client.get("/admin/callbacks").text
    evening, daytime = page.split(">Daytime Caller")
    assert "Wed 01 Jul 2026 19:15 BST" in evening and "Outside opening hours" in evening
    assert "Wed 01 Jul 2026 10:30 BST" in daytime and "Outside opening hours" not in daytime


def test_patient_text_is_shown_as_text_never_as_html(client, seeded_url) -> None:
    add_request(
        seeded_url,
        "<b>Jane</b>",
        IN_HOURS,
        best_time='"><img src=x onerror=alert(1)>',
        reason="<script>alert('reason')</script>",
        transcript=[{"from": "patient", "text": "<iframe src=//evil></iframe> & more"}],
    )
    sign_in(client)
    page = client.get("/admin/callbacks").text
    for raw in ("<b>Jane</b>", "<img src=x", "<script>alert", "<iframe"):
        assert raw not in page
    assert "&lt;b&gt;Jane&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(&#39;reason&#39;)&lt;/script&gt;" in page
    assert "<script>alert('reason')</script>" in html.unescape(page)  # read as written
    assert "&lt;iframe src=//evil&gt;&lt;/iframe&gt; &amp; more" in page


def test_transcripts_format_the_assistants_markdown_and_show_patient_text_as_typed(
    client, seeded_url
) -> None:
    add_request(
        seeded_url,
        "Jane Doe",
        IN_HOURS,
        transcript=[
            {"from": "patient", "text": "is it **really** <b>safe</b>?"},
            {"from": "bot", "text": "It is given **every 12 weeks**:\n- by a nurse\n- <i>x</i>"},
        ],
    )
    sign_in(client)
    page = client.get("/admin/callbacks").text
    assert "<strong>every 12 weeks</strong>" in page
    assert "<ul><li>by a nurse</li><li>&lt;i&gt;x&lt;/i&gt;</li></ul>" in page
    assert "every 12 weeks**" not in page
    # the patient's words: as typed, marks and tags included, never formatted
    assert "is it **really** &lt;b&gt;safe&lt;/b&gt;?" in page
    assert "<b>safe</b>" not in page and "<strong>really</strong>" not in page


def test_mark_done_needs_the_csrf_token(client, seeded_url) -> None:
    request_id = add_request(seeded_url, "Jane Doe", IN_HOURS)
    sign_in(client)
    assert client.post(f"/admin/callbacks/{request_id}/done").status_code == 403
    forged = client.post(f"/admin/callbacks/{request_id}/done", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert stored(seeded_url, request_id).done_at is None
    assert "Jane Doe" in client.get("/admin/callbacks").text


def test_mark_done_records_who_and_when_and_leaves_the_open_list(
    client,
    seeded_url,
) -> None:
    done_id = add_request(seeded_url, "Jane Doe", IN_HOURS)
    add_request(seeded_url, "John Roe", IN_HOURS + timedelta(minutes=5))
    token = sign_in(client)
    before = utc_now()
    response = client.post(
        f"/admin/callbacks/{done_id}/done", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin/callbacks"
    page = client.get("/admin/callbacks").text
    assert "John Roe" in page and "Jane Doe" not in page
    assert "Call-backs (1 open)" in page

    row = stored(seeded_url, done_id)
    assert row.done_by == STAFF and row.done_at >= before.replace(microsecond=0)
    everything = client.get("/admin/callbacks", params={"show": "all"}).text
    assert "Jane Doe" in everything and f"by {STAFF}" in everything
    assert everything.count("Mark done") == 1  # only John's request is still open

    with session_scope(seeded_url) as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "callback_done")
        ).scalar_one()
        assert (entry.actor, entry.detail) == (STAFF, f"call-back request {done_id}")
    assert "Jane" not in entry.detail  # the audit log names the request, not the patient
    assert "callback done" in client.get("/admin/audit").text


def test_marking_done_twice_keeps_the_first_and_an_unknown_request_is_404(
    client,
    seeded_url,
) -> None:
    request_id = add_request(seeded_url, "Jane Doe", IN_HOURS)
    token = sign_in(client)
    client.post(f"/admin/callbacks/{request_id}/done", data={"csrf_token": token})
    first = stored(seeded_url, request_id).done_at
    again = client.post(
        f"/admin/callbacks/{request_id}/done", data={"csrf_token": token, "show": "all"}
    )
    assert "Already marked done by nurse.jones" in again.text
    assert stored(seeded_url, request_id).done_at == first
    missing = client.post("/admin/callbacks/999999/done", data={"csrf_token": token})
    assert missing.status_code == 404 and "no such call-back request" in missing.text


def test_an_empty_inbox_says_so(client) -> None:
    sign_in(client)
    assert "No open call-back requests." in client.get("/admin/callbacks").text


# --- insights -----------------------------------------------------------------------------


def test_helpfulness_per_topic_over_the_chosen_period(client, seeded_url) -> None:
    now = utc_now()
    with session_scope(seeded_url) as session:
        for helpful in (True, True, True, False):
            insights.record_feedback(session, "c1", "schedule", helpful, now=now)
        insights.record_feedback(session, "c2", "side_effects", False, now=now)
        insights.record_feedback(session, "c3", "side_effects", True, now=now - timedelta(days=20))
        insights.record_feedback(session, "c4", "side_effects", True, now=now - timedelta(days=60))
    sign_in(client)

    def row(page: str, title: str) -> str:
        start = page.index(f">{title}</a>")
        return page[start : page.index("</tr>", start)]

    week = client.get("/admin/insights", params={"days": "7"}).text
    assert "<td>3</td>\n      <td>1</td>\n      <td>75%</td>" in row(week, "How often it is given")
    assert "<td>0</td>\n      <td>1</td>\n      <td>0%</td>" in row(week, "Side effects")
    assert week.index("Side effects") > week.index("Last 90 days")  # least helpful first
    assert week.index(">Side effects</a>") < week.index(">How often it is given</a>")
    month = client.get("/admin/insights").text  # 30 days by default
    assert 'aria-current="page">Last 30 days' in month
    assert "<td>1</td>\n      <td>1</td>\n      <td>50%</td>" in row(month, "Side effects")
    quarter = client.get("/admin/insights", params={"days": "90"}).text
    assert "<td>2</td>\n      <td>1</td>\n      <td>67%</td>" in row(quarter, "Side effects")
    # an odd period falls back to the default rather than failing
    assert 'aria-current="page">Last 30 days' in client.get("/admin/insights?days=x").text


def test_not_understood_questions_grouped_most_recent_first(
    client,
    seeded_url,
) -> None:
    now = utc_now()
    with session_scope(seeded_url) as session:
        for text, ago in (
            ("Is it vegan?", 3),
            ("is it vegan?", 2),
            ("can my dog have it", 1),
            ("<script>alert(1)</script> parking?", 0),
            ("ancient question", 40 * 24),
        ):
            insights.record_unanswered(session, "c1", text, now=now - timedelta(hours=ago))
    sign_in(client)
    page = client.get("/admin/insights").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    order = [page.index(t) for t in ("parking?", "can my dog have it", "is it vegan?")]
    assert order == sorted(order)
    vegan = page[page.index("is it vegan?") :]
    assert vegan.index("<td>2</td>") < vegan.index("</tr>")  # counted together
    assert "ancient question" not in page  # older than 30 days
    assert "ancient question" in client.get("/admin/insights?days=90").text
    frequent = client.get("/admin/insights", params={"order": "frequent"}).text
    assert frequent.index("is it vegan?") < frequent.index("can my dog have it")


def test_a_not_understood_question_can_start_a_new_topic(client, seeded_url) -> None:
    with session_scope(seeded_url) as session:
        insights.record_unanswered(session, "c1", "can I drive home afterwards & park?")
    sign_in(client)
    page = client.get("/admin/insights").text
    link = "/admin/topics/new?example=can%20I%20drive%20home%20afterwards%20%26%20park%3F"
    assert html.escape(link.lower()) in page.lower()
    new = client.get(link.lower()).text
    assert (
        '<textarea id="examples" name="examples" rows="8">can i drive home afterwards &amp; park?'
        in new
    )


def test_one_click_adds_a_question_as_an_example_of_the_suggested_entry(
    client, seeded_url, monkeypatch
) -> None:
    import bot.web.admin.insights as page

    started = []
    monkeypatch.setattr(page, "start_training_if_needed", lambda r, c: started.append(c) or True)
    with session_scope(seeded_url) as session:
        insights.record_unanswered(
            session, "c1", "how much toxin goes in altogether", candidates=["total_dose", "needle"]
        )
        insights.record_unanswered(
            session, "c2", "can I fly afterwards", kind=insights.NO_RELIABLE_INFO
        )
    token = sign_in(client)
    page_text = client.get("/admin/insights").text
    assert "No reliable information" in page_text and "Not understood" in page_text
    row = page_text[page_text.index("how much toxin goes in altogether") :]
    row = row[: row.index("</tr>")]
    assert '<option value="total_dose" selected>' in row  # the likeliest candidate
    forged = client.post(
        "/admin/insights/add-example",
        data={"csrf_token": "forged", "text": "x y z", "key": "total_dose"},
    )
    assert forged.status_code in (400, 403)
    done = client.post(
        "/admin/insights/add-example",
        data={
            "csrf_token": token,
            "text": "how much toxin goes in altogether",
            "key": "total_dose",
        },
    )
    assert done.status_code == 200 and "as an example question" in done.text
    assert started == [True]
    with session_scope(seeded_url) as session:
        from bot.content import repository as repo

        examples = dict(repo.training_topics(session))["faq_total_dose"]
        assert "how much toxin goes in altogether" in examples
        actions = [a.action for a in session.execute(select(AuditEntry)).scalars()]
        assert "add_example" in actions
    # the same question cannot teach two entries
    again = client.post(
        "/admin/insights/add-example",
        data={"csrf_token": token, "text": "how much toxin goes in altogether", "key": "needle"},
    )
    assert "Not added" in again.text and "already used" in again.text


def test_unanswered_questions_come_fifty_to_a_page_with_next_and_previous(
    client, seeded_url
) -> None:
    now = utc_now()
    with session_scope(seeded_url) as session:
        for n in range(120):  # question 119 is the most recent
            insights.record_unanswered(
                session, "c1", f"odd question number {n:03d}", now=now - timedelta(minutes=120 - n)
            )
    sign_in(client)
    first = client.get("/admin/insights").text
    assert "Questions 1 to 50 of 120" in first
    assert "odd question number 119" in first and "odd question number 070" in first
    assert "odd question number 069" not in first
    assert "Previous 50" not in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    second = client.get(html.unescape(next_link)).text
    assert "Questions 51 to 100 of 120" in second and "page=1" in second
    assert "odd question number 069" in second and "odd question number 019" not in second
    assert "Previous 50" in second and "Next 50" in second
    third = client.get("/admin/insights", params={"page": "3"}).text
    assert "Questions 101 to 120 of 120" in third and "Next 50" not in third
    assert "odd question number 000" in third
    # an odd page number does not fail: past the end is the last page, nonsense the first
    assert "Questions 101 to 120" in client.get("/admin/insights?page=99").text
    assert "Questions 1 to 50" in client.get("/admin/insights?page=x").text
    # the pages follow the order asked for
    frequent = client.get("/admin/insights", params={"order": "frequent", "page": "2"}).text
    assert "order=frequent&amp;page=1" in frequent


def test_a_junk_question_is_dismissed_in_one_click_audited_without_its_text(
    client, seeded_url
) -> None:
    now = utc_now()
    with session_scope(seeded_url) as session:
        for text, ago in (("asdfgh", 1), ("ASDFGH", 2), ("asdfgh", 24 * 60), ("is it vegan?", 3)):
            insights.record_unanswered(session, "c1", text, now=now - timedelta(hours=ago))
    token = sign_in(client)
    page = client.get("/admin/insights", params={"order": "frequent"}).text
    assert "asdfgh" in page and "Dismiss" in page
    forged = client.post("/admin/insights/dismiss", data={"csrf_token": "forged", "text": "asdfgh"})
    assert forged.status_code == 403
    done = client.post(
        "/admin/insights/dismiss",
        data={"csrf_token": token, "text": "asdfgh", "days": "30", "order": "frequent"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/admin/insights?days=30&order=frequent&page=1"
    after = client.get(done.headers["location"]).text
    assert "Removed from the list (3 times asked)." in after
    assert "asdfgh" not in after and "is it vegan?" in after
    # gone for good, also the time it was asked long ago
    assert "asdfgh" not in client.get("/admin/insights", params={"days": "90"}).text
    with session_scope(seeded_url) as session:
        assert [q.text for q in insights.unanswered_questions(session)] == ["is it vegan?"]
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "dismiss_question")
        ).scalar_one()
        assert entry.actor == STAFF and "asdfgh" not in entry.detail
        assert entry.detail == "3 stored messages removed from the insights"
    again = client.post("/admin/insights/dismiss", data={"csrf_token": token, "text": "asdfgh"})
    assert "Nothing to remove" in again.text
    assert "dismiss question" in client.get("/admin/audit").text
