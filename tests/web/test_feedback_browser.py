"""The widget's thumbs up/down under an answer, in a real browser against the real stack:
the vote reaches the clinic database, stays with its answer, and is given once."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from bot.content.store import get_content
from bot.db.models import AnswerFeedback
from bot.db.session import session_scope
from tests.channels.expected import first_paragraph
from tests.web.test_widget_browser import ask, open_widget


def votes(database_url: str) -> list[tuple[str, bool]]:
    with session_scope(database_url) as session:
        rows = session.execute(select(AnswerFeedback.topic, AnswerFeedback.helpful)).all()
    return [tuple(row) for row in rows]


def test_thumbs_under_an_answer_record_one_vote(stack, page: Page, js_errors: list[str]) -> None:
    before = votes(stack.settings.database_url)
    page.goto(f"{stack.web_url}/")
    dialog = open_widget(page)
    log = dialog.get_by_role("log")
    ask(dialog, "how often will i need the injections")
    answer = log.locator(".cc-bot").last
    expect(answer.locator(".cc-bubble")).to_contain_text(first_paragraph("schedule", "plain"))

    thumbs = answer.get_by_role("group", name="Was this answer helpful?")
    expect(thumbs).to_be_visible()
    # Not quick replies: the thumbs are no "Suggested replies" button (those are the
    # answer's related entries).
    suggested = dialog.get_by_role("group", name="Suggested replies")
    expect(suggested.get_by_role("button", name="helpful")).to_have_count(0)
    thumbs.get_by_role("button", name="Not helpful").click()

    expect(log.locator(".cc-bot .cc-bubble").last).to_contain_text("Sorry that didn't help")
    # The vote stays shown with its answer, and both thumbs are now disabled (for
    # assistive technology too; aria-disabled, so the focus can stay on them).
    rated = log.locator(".cc-feedback").first
    chosen = rated.get_by_role("button", name="Not helpful")
    expect(chosen).to_have_attribute("aria-pressed", "true")
    expect(chosen).to_be_focused()
    other = rated.get_by_role("button", name="Helpful", exact=True)
    expect(other).to_have_attribute("aria-disabled", "true")
    other.dispatch_event("click")  # a second vote is not sent
    assert votes(stack.settings.database_url) == [*before, ("schedule", False)]
    expect(log.locator(".cc-user")).to_have_count(2)

    page.reload()
    rated = page.get_by_role("dialog").get_by_role("log").locator(".cc-feedback").first
    expect(rated.get_by_role("button", name="Not helpful")).to_have_attribute(
        "aria-disabled", "true"
    )
    assert get_content().entries["schedule"]
    assert js_errors == []


def session_id(page: Page) -> str:
    return page.evaluate(
        """() => JSON.parse(Object.entries(sessionStorage)
              .find(([k]) => k.startsWith('clinicChat:') && k.endsWith(':session'))[1])"""
    )


def test_forget_me_in_the_widget_erases_and_clears_the_window(stack, page: Page) -> None:
    from tests.e2e.test_handoff_privacy import stored_events

    page.goto(f"{stack.web_url}/")
    dialog = open_widget(page)
    log = dialog.get_by_role("log")
    ask(dialog, "how often will i need the injections")
    expect(log.locator(".cc-feedback")).to_have_count(1)
    old = session_id(page)
    assert stored_events(stack.settings.tracker_store_url, old) > 0

    ask(dialog, "forget me")
    dialog.get_by_role("button", name="Yes, erase it").click()
    # At once the window holds nothing but the confirmation, and so does its stored copy.
    expect(log.locator(".cc-message")).to_have_count(1)
    expect(log.locator(".cc-bot .cc-bubble")).to_contain_text("has been erased")
    stored = page.evaluate(
        """() => JSON.parse(Object.entries(sessionStorage)
              .find(([k]) => k.startsWith('clinicChat:') && k.endsWith(':messages'))[1])"""
    )
    assert [m["from"] for m in stored] == ["bot"] and "has been erased" in stored[0]["text"]
    assert stored_events(stack.settings.tracker_store_url, old) == 0
    page.reload()
    log = page.get_by_role("dialog").get_by_role("log")
    expect(log.locator(".cc-message")).to_have_count(1)

    # The reply's button starts afresh without asking again (the icon asks: see
    # test_widget_browser.py).
    log.get_by_role("button", name="Start a new conversation").click()
    expect(dialog.locator(".cc-user")).to_have_count(0)
    expect(log.locator(".cc-bot .cc-bubble").first).to_contain_text("Hello")
    assert session_id(page) != old
