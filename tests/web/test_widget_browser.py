"""The chat widget in headless Chromium, on the demo page, against the real stack."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import phonenumbers
import pytest
from playwright.sync_api import Page, expect

from bot.clinic import DEFAULT_PHONE
from bot.content.store import get_content
from bot.ops.runner import free_port
from bot.settings import PROJECT_ROOT, load_settings
from tests.channels.expected import first_paragraph
from tests.web.conftest import save_docs_screenshot

pytestmark = pytest.mark.e2e

TITLE = "Questions about Botox for migraine"
SCREENSHOT = PROJECT_ROOT / "var" / "screenshots" / "widget.png"
README_SCREENSHOT = PROJECT_ROOT / "docs" / "widget.png"
RED_FLAG_SCREENSHOT = PROJECT_ROOT / "docs" / "red-flag.png"
PHONE_SCREENSHOT = PROJECT_ROOT / "docs" / "widget-phone.png"
PHONE = load_settings().clinic_phone or DEFAULT_PHONE

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
    save_docs_screenshot(page.screenshot(path=str(SCREENSHOT)), README_SCREENSHOT)
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


def test_start_a_new_conversation_asks_first_then_clears_the_transcript(stack, page: Page) -> None:
    page.goto(f"{stack.web_url}/")
    dialog = open_widget(page)
    ask(dialog, "which areas do you inject?")
    expect(dialog.locator(".cc-user")).to_have_count(1)
    old_session = page.evaluate("Object.entries(sessionStorage)")
    restart = dialog.get_by_role("button", name="Start a new conversation")

    # The icon asks, inside the widget; the focus is on the answer that keeps everything.
    restart.click()
    question = page.get_by_role("alertdialog", name=re.compile("^Start a new conversation"))
    expect(question).to_be_visible()
    keep = question.get_by_role("button", name="No, go back")
    expect(keep).to_be_focused()
    page.keyboard.press("Tab")  # Tab goes round the two answers, not out of the question
    expect(question.get_by_role("button", name="Yes, start again")).to_be_focused()
    page.keyboard.press("Tab")
    expect(keep).to_be_focused()
    # Escape is "no": the question closes, the chat stays open with its messages.
    page.keyboard.press("Escape")
    expect(question).to_be_hidden()
    expect(dialog).to_be_visible()
    expect(restart).to_be_focused()
    expect(dialog.locator(".cc-user")).to_have_count(1)

    restart.click()
    question.get_by_role("button", name="Yes, start again").click()
    expect(question).to_be_hidden()
    expect(dialog.locator(".cc-user")).to_have_count(0)
    expect(dialog.locator(".cc-bot .cc-bubble").first).to_contain_text("Hello")
    assert page.evaluate("Object.entries(sessionStorage)") != old_session


def phone_context(browser, height: int = 667):
    return browser.new_context(
        viewport={"width": 375, "height": height}, is_mobile=True, has_touch=True, locale="en-GB"
    )


def log_metrics(log) -> dict[str, float]:
    return log.evaluate(
        "el => ({top: el.scrollTop, height: el.clientHeight, scrollHeight: el.scrollHeight})"
    )


def test_a_long_answer_opens_at_its_start_and_a_reload_at_the_latest_answer(stack, browser) -> None:
    context = phone_context(browser, height=560)
    try:
        page = context.new_page()
        page.goto(f"{stack.web_url}/")
        dialog = open_widget(page)
        log = dialog.get_by_role("log")
        expect(log.locator(".cc-bot .cc-bubble").first).to_contain_text("Hello")
        ask(dialog, "which areas do you inject?")
        answer = log.locator(".cc-bot").last
        expect(answer.locator(".cc-bubble")).to_contain_text(
            first_paragraph("injection_areas", "plain")
        )
        expect(answer.get_by_role("group", name="Was this answer helpful?")).to_be_visible()

        def first_line_in_view() -> None:
            view, box = log.bounding_box(), answer.bounding_box()
            assert view is not None and box is not None
            assert box["height"] > view["height"], "the answer must be longer than the screen"
            # Its first line is in view (it was below the view's top when it opened at
            # its end), and the view is not simply at the end of the conversation.
            assert view["y"] - 1 <= box["y"] < view["y"] + view["height"] / 3
            metrics = log_metrics(log)
            assert metrics["top"] + metrics["height"] < metrics["scrollHeight"] - 1

        first_line_in_view()

        page.reload()
        dialog = page.get_by_role("dialog", name=TITLE)
        expect(dialog).to_be_visible()
        expect(page.locator(".cc-root")).not_to_have_class(re.compile("cc-loading"))
        log = dialog.get_by_role("log")
        answer = log.locator(".cc-bot").last
        expect(answer).to_contain_text(first_paragraph("injection_areas", "plain"))
        # At the latest answer, not at the greeting.
        assert log_metrics(log)["top"] > 0
        greeting = log.locator(".cc-bot").first.bounding_box()
        view = log.bounding_box()
        assert greeting is not None and view is not None
        assert greeting["y"] + greeting["height"] <= view["y"] + 1
        first_line_in_view()
    finally:
        context.close()


def test_red_flag_advice_stands_out_and_has_a_call_button(stack, browser) -> None:
    # On a phone, where the call button matters most (and the advice fits on the screen
    # of the README's picture).
    context = phone_context(browser, height=844)
    try:
        red_flag_advice_stands_out(context.new_page(), stack.web_url)
    finally:
        context.close()


def red_flag_advice_stands_out(page: Page, web_url: str) -> None:
    js_errors: list[str] = []
    page.on("pageerror", lambda error: js_errors.append(str(error)))
    page.goto(f"{web_url}/")
    dialog = open_widget(page)
    log = dialog.get_by_role("log")
    ordinary = log.locator(".cc-bot .cc-bubble").first
    expect(ordinary).to_contain_text("Hello")
    ask(dialog, "I suddenly have trouble swallowing and breathing")

    # Announced at once (an alert), with a heading and an icon: not told by colour alone.
    urgent = log.get_by_role("alert")
    expect(urgent).to_contain_text("Please get medical help immediately")
    heading = urgent.get_by_role("heading", name="Urgent: get help now")
    expect(heading).to_be_visible()
    expect(heading.locator("svg")).to_have_count(1)
    number = load_settings().emergency_number
    call = urgent.get_by_role("link", name=f"Call {number}", exact=True)
    expect(call).to_have_attribute("href", f"tel:{number}")
    box = call.bounding_box()
    assert box is not None and box["height"] >= 44  # a touch target
    # The numbers in the advice itself can be tapped too.
    expect(urgent.get_by_role("link", name="999", exact=True)).to_have_attribute("href", "tel:999")

    bubble = urgent.locator(".cc-bubble")
    look = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderLeftWidth]"
    assert bubble.evaluate(look) != ordinary.evaluate(look)
    assert float(bubble.evaluate(look)[1].removesuffix("px")) >= 4
    for name, locator in {"heading": heading, "advice": bubble, "call button": call}.items():
        ratio = locator.evaluate(CONTRAST_JS)
        assert ratio >= 4.5, f"{name}: contrast {ratio:.2f} < 4.5"

    save_docs_screenshot(page.screenshot(), RED_FLAG_SCREENSHOT)

    # After a reload it still looks urgent, but is not announced again.
    page.reload()
    log = page.get_by_role("dialog", name=TITLE).get_by_role("log")
    expect(log.locator(".cc-urgent").get_by_role("link", name=f"Call {number}")).to_be_visible()
    expect(log.get_by_role("alert")).to_have_count(0)
    assert js_errors == []


def test_phone_numbers_in_replies_are_tap_to_call_links(stack, page: Page) -> None:
    page.goto(f"{stack.web_url}/")
    dialog = open_widget(page)
    expect(dialog.locator(".cc-disclaimer").get_by_role("link", name="999")).to_have_attribute(
        "href", "tel:999"
    )
    ask(dialog, "Can I talk to a nurse?")
    offer = dialog.locator(".cc-bot .cc-bubble").last
    expect(offer).to_contain_text(PHONE)
    e164 = phonenumbers.format_number(
        phonenumbers.parse(PHONE, load_settings().phone_region), phonenumbers.PhoneNumberFormat.E164
    )
    number = offer.get_by_role("link", name=PHONE)
    expect(number).to_have_attribute("href", f"tel:{e164}")
    expect(number).not_to_have_attribute("target", "_blank")  # the dialler, not a new tab


def test_on_a_phone_the_open_chat_is_modal(stack, browser) -> None:
    context = phone_context(browser)
    try:
        page = context.new_page()
        page.goto(f"{stack.web_url}/")
        page_heading = page.get_by_role("heading", name="Botox treatment for chronic migraine")
        expect(page_heading).to_be_visible()
        assert page.evaluate("document.documentElement.scrollHeight > innerHeight")
        dialog = open_widget(page)
        expect(dialog).to_have_attribute("aria-modal", "true")

        # The page behind is hidden from screen readers and cannot take the focus.
        expect(page_heading).to_have_count(0)
        assert page.evaluate(
            """() => [...document.body.children]
                 .filter((n) => n.className !== 'clinic-chat-host' && n.tagName !== 'SCRIPT')
                 .every((n) => n.inert && n.getAttribute('aria-hidden') === 'true')"""
        )
        # Tab and Shift+Tab go round inside the chat.
        in_widget = "document.activeElement === document.querySelector('.clinic-chat-host')"
        stops = dialog.evaluate(
            "el => el.querySelectorAll('a[href], button, textarea, [tabindex=\"0\"]').length"
        )
        for key in ["Tab"] * (stops + 2) + ["Shift+Tab"] * (stops + 2):
            page.keyboard.press(key)
            assert page.evaluate(in_widget), f"{key} left the chat"

        # The page behind cannot be scrolled (it can again once the chat is closed, below).
        root_overflow = "getComputedStyle(document.documentElement).overflow"
        assert page.evaluate(root_overflow) == "hidden"

        # A vote keeps the focus on the thumbs.
        ask(dialog, "how often will i need the injections")
        answer = dialog.get_by_role("log").locator(".cc-bot").last
        thumbs = answer.get_by_role("group", name="Was this answer helpful?")
        expect(thumbs).to_be_visible()
        save_docs_screenshot(page.screenshot(), PHONE_SCREENSHOT)
        thumbs.get_by_role("button", name="Helpful", exact=True).focus()
        page.keyboard.press("Enter")
        expect(dialog.locator(".cc-user .cc-bubble").last).to_contain_text("Helpful")
        voted = thumbs.get_by_role("button", name="Helpful", exact=True)
        expect(voted).to_have_attribute("aria-pressed", "true")
        expect(voted).to_be_focused()

        # Closed: the page is back, for screen readers and for scrolling.
        dialog.get_by_role("button", name="Close chat", exact=True).tap()
        expect(dialog).to_be_hidden()
        expect(page_heading).to_be_visible()
        assert page.evaluate(root_overflow) != "hidden"
        page.mouse.move(20, 300)
        page.mouse.wheel(0, 800)
        expect(page_heading).not_to_be_in_viewport()
    finally:
        context.close()


def test_the_question_box_grows_counts_down_and_never_cuts_a_message(stack, page: Page) -> None:
    page.goto(f"{stack.web_url}/")
    dialog = open_widget(page)
    expect(dialog.get_by_role("group", name="Suggested replies")).to_be_visible()
    box = dialog.get_by_label("Your question")
    height = lambda: box.evaluate("el => el.getBoundingClientRect().height")  # noqa: E731
    one_line = height()
    box.fill("How often?\nAnd where?\nAnd does it hurt?")
    assert height() > one_line
    box.fill("\n".join(f"line {i}" for i in range(30)))
    max_height = box.evaluate("el => parseFloat(getComputedStyle(el).maxHeight)")
    assert height() == max_height  # then it scrolls
    assert box.evaluate("el => el.scrollHeight > el.clientHeight")

    count = dialog.locator(".cc-count")
    box.fill("How often are the injections? " * 20)  # 600 characters: no count yet
    expect(count).to_be_hidden()
    limit = 1000
    question = ("How often are the injections? " * 40)[: limit - 50]
    box.fill(question)
    expect(count).to_have_text("50 characters left")

    too_long = question + "x" * 60
    box.fill(too_long)
    expect(count).to_have_text("10 characters too many: please shorten your message")
    expect(box).to_have_attribute("aria-invalid", "true")
    box.press("Enter")
    expect(dialog.locator(".cc-user")).to_have_count(0)  # not sent...
    assert box.input_value() == too_long  # ...and not cut either

    exactly = too_long[:limit]
    box.fill(exactly)
    expect(count).to_have_text("0 characters left")
    box.press("Enter")
    expect(dialog.locator(".cc-user .cc-bubble")).to_have_text(exactly.strip())
    expect(box).to_have_value("")
    expect(count).to_be_hidden()
    assert height() == one_line


def test_patient_text_repeated_in_a_reply_is_shown_literally(stack, page: Page) -> None:
    name = "**Bold** [click](https://x.example)"
    page.goto(f"{stack.web_url}/")
    dialog = open_widget(page)
    log = dialog.get_by_role("log")
    ask(dialog, "Can I talk to a nurse?")
    dialog.get_by_role("button", name="Request a call-back").click()
    expect(log.locator(".cc-bot .cc-bubble").last).to_contain_text("What name")
    for answer, next_question in [
        (name, "phone number"),
        ("020 7946 0123", "best time"),
        ("weekday mornings", "what is it about"),
        ("a question about my next appointment", "Thank you"),
    ]:
        ask(dialog, answer)
        expect(log.locator(".cc-bot .cc-bubble").last).to_contain_text(next_question)
    confirmation = log.locator(".cc-bot .cc-bubble").last
    expect(confirmation).to_contain_text(f"Thank you, {name}.")
    expect(confirmation.get_by_role("link", name="click")).to_have_count(0)
    expect(confirmation.locator("strong", has_text="Bold")).to_have_count(0)

    ask(dialog, "what do you know about me?")
    known = log.locator(".cc-bot .cc-bubble").last
    expect(known).to_contain_text("a call-back request for")
    expect(known.locator("strong").first).to_have_text(name)  # bold as a whole, as typed
    expect(known.get_by_role("link")).to_have_count(0)
