"""The chat widget in headless Chromium, on the demo page, against the real stack."""

from __future__ import annotations

import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from bot.content.store import get_content
from bot.ops.runner import free_port
from bot.settings import PROJECT_ROOT
from tests.channels.expected import first_paragraph

pytestmark = pytest.mark.e2e

TITLE = "Questions about Botox for migraine"
SCREENSHOT = PROJECT_ROOT / "var" / "screenshots" / "widget.png"
README_SCREENSHOT = PROJECT_ROOT / "docs" / "widget.png"

# WCAG 2.1 contrast ratio of an element's text against its own (or nearest) background.
CONTRAST_JS = """
(el) => {
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  let node = el;
  let bg = getComputedStyle(node).backgroundColor;
  while (node && (bg === "rgba(0, 0, 0, 0)" || bg === "transparent")) {
    node = node.parentElement || (node.getRootNode() && node.getRootNode().host);
    bg = node ? getComputedStyle(node).backgroundColor : "rgb(255, 255, 255)";
  }
  const a = lum(rgb(getComputedStyle(el).color));
  const b = lum(rgb(bg));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


def open_widget(page: Page):
    page.get_by_role("button", name=re.compile("^Ask a question")).click()
    dialog = page.get_by_role("dialog", name=TITLE)
    expect(dialog).to_be_visible()
    return dialog


def ask(dialog, text: str) -> None:
    box = dialog.get_by_label("Your question")
    box.fill(text)
    box.press("Enter")


class ClinicSite:
    """Another web site (its own origin) where the clinic pasted the snippet."""

    def __init__(self) -> None:
        pages: dict[str, bytes] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body or b"not found")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.pages = pages
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, path: str, html: str) -> str:
        self.pages[path] = html.encode()
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"


@pytest.fixture(scope="module")
def clinic_site() -> Iterator[ClinicSite]:
    site = ClinicSite()
    yield site
    site.server.shutdown()
    site.server.server_close()


def embed_page(page: Page, site: ClinicSite, web_url: str, **options: str) -> None:
    """Open a page of the clinic's own site with the widget snippet and these options."""
    attrs = " ".join(f'data-{name.replace("_", "-")}="{value}"' for name, value in options.items())
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Clinic</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f'<body><h1>Clinic</h1><script src="{web_url}/widget/widget.js" {attrs}></script>'
        "</body></html>"
    )
    page.goto(site.add(f"/page-{uuid.uuid4().hex}.html", html))


def test_patient_asks_clicks_a_quick_reply_and_keeps_the_conversation_after_reload(
    stack, page: Page, js_errors: list[str]
) -> None:
    page.goto(f"{stack.web_url}/")
    dialog = open_widget(page)
    log = dialog.get_by_role("log")

    # The bot's own greeting, with topic buttons; the cursor is in the question box.
    expect(log.locator(".cc-bot .cc-bubble").first).to_contain_text("Hello")
    expect(dialog.get_by_role("group", name="Suggested replies")).to_be_visible()
    expect(dialog.get_by_label("Your question")).to_be_focused()
    # The standing disclaimer under the title (the greeting says it too).
    disclaimer = dialog.locator(".cc-disclaimer")
    expect(disclaimer).to_be_visible()
    expect(disclaimer).to_contain_text("General information, not medical advice")

    page.evaluate(
        """() => {
          const typing = document.querySelector('.clinic-chat-host').shadowRoot
            .querySelector('.cc-typing');
          window.typingSeen = false;
          new MutationObserver(() => { if (!typing.hidden) window.typingSeen = true; })
            .observe(typing, { attributes: true });
        }"""
    )
    ask(dialog, "which areas do you inject?")
    expect(log.locator(".cc-user .cc-bubble").last).to_have_text("which areas do you inject?")
    answer = log.locator(".cc-bot .cc-bubble").last
    expect(answer).to_contain_text(first_paragraph("injection_areas", "plain"))
    expect(answer.locator("strong").first).to_have_text("7 muscle areas of the head and neck")
    expect(answer.locator("li")).to_have_count(7)
    assert page.evaluate("window.typingSeen"), "no typing indicator while waiting"
    expect(dialog.locator(".cc-typing")).to_be_hidden()

    ask(dialog, "what can you do")
    dialog.get_by_role("button", name="Side effects").click()
    expect(log.locator(".cc-user .cc-bubble").last).to_have_text("Side effects")
    expect(log.locator(".cc-bot .cc-bubble").last).to_contain_text(
        first_paragraph("side_effects", "plain")
    )
    messages = log.locator(".cc-message").count()

    page.reload()
    dialog = page.get_by_role("dialog", name=TITLE)
    expect(dialog).to_be_visible()  # still open on the new page
    log = dialog.get_by_role("log")
    expect(log.locator(".cc-message")).to_have_count(messages)
    expect(log.locator(".cc-user .cc-bubble").nth(0)).to_have_text("which areas do you inject?")
    expect(log.locator(".cc-bot .cc-bubble").last).to_contain_text(
        first_paragraph("side_effects", "plain")
    )

    # The same Rasa conversation goes on: "tell me more" offers the last answer's related
    # entries as buttons.
    ask(dialog, "tell me more")
    related = get_content().entries[get_content().entries["side_effects"].related[0]]
    expect(dialog.get_by_role("button", name=related.title).last).to_be_visible()

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SCREENSHOT, README_SCREENSHOT)
    assert js_errors == []


def test_message_text_is_never_run_as_html(stack, page: Page, js_errors: list[str]) -> None:
    page.goto(f"{stack.web_url}/")
    dialog = open_widget(page)
    attack = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>'
    ask(dialog, attack)
    user = dialog.locator(".cc-user .cc-bubble").last
    expect(user).to_have_text(attack)  # shown as text
    expect(dialog.locator(".cc-bot .cc-bubble")).to_have_count(2)  # greeting + the reply

    html = page.evaluate(
        """(source) => {
          const div = document.createElement('div');
          div.appendChild(window.ClinicChat.renderMarkdown(source));
          document.body.appendChild(div);
          return div.innerHTML;
        }""",
        "**Bold** and *italics*\n\n- one\n- two\n\n"
        + attack
        + " [click](javascript:window.pwned=1) [plain](http://example.org)"
        + " [leaflet](https://example.org/a?b=1&c=2) see https://nhs.uk/migraine.",
    )
    assert "<strong>Bold</strong>" in html and "<em>italics</em>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert "<img" not in html and "<script" not in html
    assert "javascript:" not in html and 'href="http:' not in html
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" target="_blank" '
        'rel="noopener noreferrer">leaflet</a>' in html
    )
    assert 'href="https://nhs.uk/migraine"' in html  # trailing full stop not in the link
    assert page.evaluate("window.pwned") is None
    assert js_errors == []


def test_a_clear_message_when_the_bot_cannot_be_reached(
    stack, page: Page, clinic_site: ClinicSite
) -> None:
    embed_page(
        page,
        clinic_site,
        stack.web_url,
        server=f"http://127.0.0.1:{free_port()}",
        title=TITLE,
        phone="020 7946 0000",
    )
    dialog = open_widget(page)
    alert = dialog.get_by_role("alert")
    expect(alert).to_contain_text("can't be reached")
    expect(alert).to_contain_text("020 7946 0000")
    expect(alert).to_contain_text("emergency call 999")
    ask(dialog, "which areas do you inject?")
    expect(dialog.get_by_label("Your question")).to_have_value("which areas do you inject?")


def test_keyboard_only_use_and_screen_reader_labels(stack, page: Page) -> None:
    page.goto(f"{stack.web_url}/")
    launcher = page.get_by_role("button", name=f"Ask a question (chat: {TITLE})")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name=TITLE)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Your question")).to_be_focused()
    expect(page.locator(".cc-launcher")).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".cc-launcher")).to_have_text("Close chat")
    log = dialog.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    for name in ("Send", "Close chat", "Start a new conversation"):
        expect(dialog.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(log.locator(".cc-bot").first).to_contain_text("Assistant:")  # for screen readers

    # Tab reaches the quick replies; Enter on one sends it.
    expect(dialog.get_by_role("group", name="Suggested replies")).to_be_visible()
    dialog.get_by_role("button", name="How often?").focus()
    page.keyboard.press("Enter")
    expect(log.locator(".cc-user .cc-bubble").last).to_have_text("How often?")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile("^Ask a question"))).to_be_focused()


@pytest.mark.parametrize("color", ["#0a58a3", "#ffd700", "#7fdbff"])
def test_text_contrast_meets_wcag_aa_whatever_the_clinic_colour(
    stack, page: Page, clinic_site: ClinicSite, color: str
) -> None:
    embed_page(page, clinic_site, stack.web_url, server=stack.rasa_url, title=TITLE, color=color)
    dialog = open_widget(page)
    expect(dialog.get_by_role("group", name="Suggested replies")).to_be_visible()
    ask(dialog, "hello")
    expect(dialog.locator(".cc-user .cc-bubble")).to_have_count(1)
    checks = {
        "title": dialog.locator(".cc-title"),
        "disclaimer": dialog.locator(".cc-disclaimer"),
        "bot message": dialog.locator(".cc-bot .cc-bubble").first,
        "patient message": dialog.locator(".cc-user .cc-bubble").first,
        "quick reply": dialog.locator(".cc-reply").first,
        "launcher": page.locator(".cc-launcher"),
    }
    for name, locator in checks.items():
        ratio = locator.evaluate(CONTRAST_JS)
        assert ratio >= 4.5, f"{name}: contrast {ratio:.2f} < 4.5 with data-color={color}"


def test_on_a_phone_the_chat_fills_the_screen(stack, browser) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(f"{stack.web_url}/")
        dialog = open_widget(page)
        box = dialog.bounding_box()
        assert box is not None
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 375, 667)
        expect(page.locator(".cc-launcher")).to_be_hidden()
        question = dialog.get_by_label("Your question")
        assert question.evaluate("el => getComputedStyle(el).fontSize") == "16px"  # no zoom
        dialog.get_by_role("button", name="Close chat", exact=True).tap()
        expect(dialog).to_be_hidden()
    finally:
        context.close()


def test_start_a_new_conversation_clears_the_transcript(stack, page: Page) -> None:
    page.goto(f"{stack.web_url}/")
    dialog = open_widget(page)
    ask(dialog, "which areas do you inject?")
    expect(dialog.locator(".cc-user")).to_have_count(1)
    old_session = page.evaluate("Object.entries(sessionStorage)")
    dialog.get_by_role("button", name="Start a new conversation").click()
    expect(dialog.locator(".cc-user")).to_have_count(0)
    expect(dialog.locator(".cc-bot .cc-bubble").first).to_contain_text("Hello")
    assert page.evaluate("Object.entries(sessionStorage)") != old_session
