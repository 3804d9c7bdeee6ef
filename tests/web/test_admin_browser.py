"""Staff and patients in headless Chromium, against the real stack: a staff member signs
in, edits an answer, publishes, and the patient's chat shows the new text; a draft is
checked while typing, tried in the preview chat, guarded against leaving it unsaved, and
discarded; a patient's call-back request reaches the staff inbox and is marked done; a
new topic becomes answerable after the background retrain while the old model keeps
answering."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
import uuid

import pytest
from playwright.sync_api import Page, expect

from bot.content.repository import get_live_content
from bot.content.store import get_content
from bot.db.session import session_scope
from bot.settings import PROJECT_ROOT
from bot.web.markdown import plain_text
from tests.conftest import TEST_TODAY, isolated_settings
from tests.e2e.chat import Chat
from tests.web.test_widget_browser import ask, open_widget

pytestmark = pytest.mark.e2e

STAFF = "nurse.jones"
PASSWORD = "correct horse battery"
# The seed answer to "how does botox work?" (its first line, as the chat sends it).
HOW_IT_WORKS = get_content().entries["how_it_works"].answer.split("\n")[0]


@pytest.fixture(scope="module")
def admin_stack(tmp_path_factory: pytest.TempPathFactory, trained_model):
    """A stack of its own (its database is edited, and its model swapped, by the tests):
    action server, Rasa server and website, with one staff account."""
    from bot.db.seed import prepare_database
    from bot.ops.runner import Stack
    from bot.web.auth import add_staff

    settings = isolated_settings(tmp_path_factory, "admin")
    prepare_database(settings.database_url)
    with session_scope(settings.database_url) as s:
        add_staff(s, STAFF, PASSWORD, "test")
    extra_env = {
        "BOT_FIXED_TODAY": TEST_TODAY,
        "BOT_VAR_DIR": str(settings.var_dir),
        # models trained by these tests stay out of the cache shared by clones
        "BOT_MODEL_CACHE": str(settings.var_dir / "model-cache"),
    }
    with Stack(settings=settings, model=trained_model, extra_env=extra_env) as running:
        yield running


SCREENSHOT = PROJECT_ROOT / "var" / "screenshots" / "admin.png"
README_SCREENSHOT = PROJECT_ROOT / "docs" / "admin.png"
TRAINING_TIMEOUT_MS = 900_000  # two shared cores: training can take several minutes


def sign_in(page: Page, web_url: str) -> None:
    page.goto(f"{web_url}/admin")
    expect(page).to_have_url(re.compile(r"/admin/login$"))  # nothing without signing in
    page.get_by_label("User name").fill(STAFF)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Topics")).to_be_visible()


def rasa_model(rasa_url: str) -> str:
    with urllib.request.urlopen(f"{rasa_url}/status", timeout=30) as response:
        return json.loads(response.read())["model_file"]


def test_staff_edit_is_in_the_patient_chat_at_once(
    admin_stack, context, page: Page, js_errors: list[str]
) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        # Leaving the page shown again after the refused save asks first (its text is not
        # saved): that is the unsaved-changes warning, tested on its own below. Any other
        # dialog here would be a surprise.
        if dialog.type == "beforeunload":
            dialog.accept()
        else:
            dialogs.append(dialog.message)
            dialog.dismiss()

    page.on("dialog", on_dialog)
    sign_in(page, admin_stack.web_url)
    page.get_by_label("Search topics").fill("12 weeks")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=get_content().entries["schedule"].title).click()

    # Markup typed into an answer is refused, in plain words, and never runs.
    answer = page.get_by_label("Answer", exact=True)
    answer.fill('Soon. <img src=x onerror="alert(1)"><script>alert(2)</script>')
    expect(page.locator("#preview-answer")).to_contain_text("<script>alert(2)</script>")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_role("alert")).to_contain_text("contains HTML, a script link or an image")

    # A new wording: the preview shows it as the chat will, then it is published.
    page.goto(f"{admin_stack.web_url}/admin/topics/schedule")
    expect(page.get_by_role("alert")).to_have_count(0)
    new_text = (
        "Injections are given **every 12 weeks** (a wording edited by staff). "
        "Ask us if 12 < 13 & other puzzles."
    )
    answer.fill(new_text)
    preview = page.locator("#preview-answer")
    expect(preview.locator("strong")).to_have_text("every 12 weeks")
    expect(preview).to_contain_text("12 < 13 & other puzzles")
    page.get_by_label("What did you change?").fill("clearer wording")
    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_role("status")).to_contain_text("Version 2 is live")

    # A patient, in another browser tab, gets the new wording on their next message.
    patient = context.new_page()
    patient.goto(f"{admin_stack.web_url}/")
    chat = open_widget(patient)
    ask(chat, "how often do I need the injections?")
    reply = chat.locator(".cc-bot .cc-bubble").last
    expect(reply).to_contain_text("(a wording edited by staff)")
    expect(reply.locator("strong")).to_have_text("every 12 weeks")
    expect(reply).to_contain_text("12 < 13 & other puzzles")

    # History shows the change; the audit log says who did what.
    page.get_by_role("link", name="History and rollback").click()
    expect(page.locator(".diff .add").first).to_contain_text("a wording edited by staff")
    page.get_by_role("link", name="Who changed what").click()
    expect(page.locator("table.audit")).to_contain_text("publish")
    expect(page.locator("table.audit tbody tr").first).to_contain_text(STAFF)
    assert dialogs == [] and js_errors == []


def test_staff_try_a_draft_see_the_check_and_are_warned_before_losing_it(
    admin_stack, page: Page, js_errors: list[str]
) -> None:
    url = admin_stack.settings.database_url
    published = get_live_content(url).entries["schedule"].answer
    dialogs: list[tuple[str, str]] = []
    accept = {"confirm": False}

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append((dialog.type, dialog.message))
        if accept["confirm"]:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    sign_in(page, admin_stack.web_url)
    page.goto(f"{admin_stack.web_url}/admin/topics/schedule")
    answer = page.get_by_label("Answer", exact=True)
    check = page.locator("#answer-check")

    # The text is checked while typing, as publishing will check it, beside the field.
    answer.fill("Soon. <b>bold</b>")
    expect(check).to_contain_text("contains HTML, a script link or an image")
    expect(answer).to_have_attribute("aria-invalid", "true")
    draft = "Injections are given **every 12 weeks** (a draft tried before it goes live)."
    answer.fill(draft)
    expect(check).to_contain_text("No problem found in this text.")
    expect(answer).not_to_have_attribute("aria-invalid", "true")

    # The draft preview chat: the live assistant chooses the entry, the draft answers.
    question = page.get_by_label("Question", exact=True)
    question.fill("how often do I need the injections?")
    question.press("Enter")  # asks; it must not submit (publish) the edit form
    turn = page.locator(".try-turn").last
    expect(turn).to_contain_text("Preview, not live")
    reply = turn.locator(".bubble:not(.mine)").first
    expect(reply.locator("strong")).to_have_text("every 12 weeks")
    expect(reply).to_contain_text("(a draft tried before it goes live)")
    expect(turn.locator(".try-note")).to_contain_text('chose "How often it is given"')
    expect(turn.locator(".try-note")).to_contain_text("your draft's text (not live yet)")
    expect(page).to_have_url(re.compile(r"/admin/topics/schedule$"))
    assert get_live_content(url).entries["schedule"].answer == published  # nothing saved
    # The README's picture: from the title to the end of the editor and the preview chat
    # (at the top of the page, where clip coordinates are the page's), without the
    # widget's launcher over it (hidden from script: the page's CSP refuses injected CSS).
    page.evaluate("window.scrollTo(0, 0)")
    launcher = "document.querySelector('.clinic-chat-host').style"
    page.evaluate(f"{launcher}.setProperty('display', 'none')")
    title = page.get_by_role("heading", level=1).bounding_box()
    editor = page.locator(".editor").bounding_box()
    assert title is not None and editor is not None
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOT),
        full_page=True,
        clip={
            "x": editor["x"] - 24,
            "y": title["y"] - 16,
            "width": editor["width"] + 48,
            "height": editor["y"] + editor["height"] - title["y"] + 40,
        },
    )
    page.evaluate(f"{launcher}.removeProperty('display')")
    README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SCREENSHOT, README_SCREENSHOT)
    # Another entry's question gets that entry's live text, and says so.
    question.fill("how does botox work?")
    page.get_by_role("button", name="Ask the draft").click()
    expect(page.locator(".try-turn")).to_have_count(2)
    expect(page.locator(".try-turn").last.locator(".try-note")).to_contain_text("the live text")
    expect(page.locator(".try-turn").last).to_contain_text(plain_text(HOW_IT_WORKS)[:40])

    # Leaving with unsaved changes asks first: an in-app link, then closing the tab.
    with page.expect_event("dialog") as warned:
        page.get_by_role("link", name="All topics").click()
    assert warned.value.type == "confirm" and "not saved" in warned.value.message
    expect(page).to_have_url(re.compile(r"/admin/topics/schedule$"))  # stayed
    with page.expect_event("dialog") as leaving:
        page.close(run_before_unload=True)
    assert leaving.value.type == "beforeunload"
    expect(answer).to_have_value(draft)  # dismissed: the page and the text are still there

    # Saved as a draft (no warning: that is saving), then discarded: the live text is back.
    asked = len(dialogs)
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_role("status")).to_contain_text("a draft: patients do not see it yet")
    assert len(dialogs) == asked
    expect(answer).to_have_value(draft)
    accept["confirm"] = True  # "Discard the draft? ..."
    page.get_by_role("button", name="Discard the draft").click()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"Draft discarded \(version \d+\)")
    )
    assert "live text" in dialogs[-1][1]
    expect(answer).to_have_value(published)
    expect(page.get_by_role("button", name="Discard the draft")).to_have_count(0)
    assert get_live_content(url).entries["schedule"].answer == published
    page.get_by_role("link", name="Who changed what").click()
    expect(page.locator("table.audit tbody tr").first).to_contain_text("discard draft")
    assert js_errors == []


def test_a_call_back_request_from_the_widget_reaches_the_staff_inbox(
    admin_stack, context, page: Page, js_errors: list[str]
) -> None:
    # The patient asks for a person in the chat widget and fills the call-back form.
    patient = context.new_page()
    patient.goto(f"{admin_stack.web_url}/")
    chat = open_widget(patient)
    ask(chat, "Can I talk to a nurse?")
    chat.get_by_role("button", name="Request a call-back").click()
    bot_says = chat.locator(".cc-bot .cc-bubble")
    expect(bot_says.last).to_contain_text("What name")
    ask(chat, "Jane <b>Browser</b>")
    expect(bot_says.last).to_contain_text("phone number")
    ask(chat, "020 7946 0123")
    expect(bot_says.last).to_contain_text("best time")
    ask(chat, "weekday mornings")
    expect(bot_says.last).to_contain_text("what is it about")
    ask(chat, "my next appointment")
    expect(bot_says.last).to_contain_text("Thank you")

    # A staff member sees it at the top of the inbox, with the conversation before it.
    sign_in(page, admin_stack.web_url)
    expect(page.get_by_role("link", name=re.compile(r"Call-backs \(\d+ open\)"))).to_be_visible()
    page.get_by_role("link", name=re.compile("^Call-backs")).click()
    expect(page.get_by_role("heading", name="Call-back requests")).to_be_visible()
    newest = page.locator("section.callback").first
    # the name shown as typed, as text: no <b> element was made of it
    expect(newest.get_by_role("heading", level=2)).to_contain_text("Jane <b>Browser</b>")
    expect(newest.locator("h2 b")).to_have_count(0)
    expect(newest).to_contain_text("020 7946 0123")
    expect(newest).to_contain_text("weekday mornings")
    expect(newest).to_contain_text("my next appointment")
    transcript = newest.locator("details.transcript")
    expect(transcript.locator(".line").first).not_to_be_visible()  # folded until asked
    transcript.locator("summary").click()
    expect(transcript.locator(".line.patient").first).to_contain_text("Can I talk to a nurse?")
    expect(transcript.locator(".line.patient").first).to_be_visible()

    # Marked done, it leaves the open list; "show done" still has it, with who did it.
    request_id = newest.get_attribute("aria-labelledby")
    newest.get_by_role("button", name="Mark done").click()
    expect(page.get_by_role("status")).to_contain_text("marked done")
    expect(page.locator(f'section[aria-labelledby="{request_id}"]')).to_have_count(0)
    page.get_by_role("link", name="Show done requests too").click()
    done = page.locator(f'section[aria-labelledby="{request_id}"]')
    expect(done).to_contain_text("Done")
    expect(done).to_contain_text(f"by {STAFF}")
    expect(done.get_by_role("button", name="Mark done")).to_have_count(0)
    page.get_by_role("link", name="Who changed what").click()
    expect(page.locator("table.audit tbody tr").first).to_contain_text("callback done")
    assert js_errors == []


def test_new_topic_is_answerable_after_the_background_retrain(
    admin_stack, page: Page, js_errors: list[str]
) -> None:
    old_model = rasa_model(admin_stack.rasa_url)
    patient = Chat(admin_stack.rasa_url)
    sign_in(page, admin_stack.web_url)
    page.get_by_role("link", name="New topic").click()
    page.get_by_label("Title").fill("Bringing someone with you")
    page.get_by_label("Answer", exact=True).fill(
        "You are welcome to bring **one person** with you. (test topic)"
    )
    token = uuid.uuid4().hex[:8]  # a model this test has never trained
    examples = [
        "can I bring someone with me",
        "may my partner come in with me",
        "is it ok to bring a friend along",
        "can a relative sit with me",
        "can my mum come in with me",
        "can I bring my husband",
        "is a companion allowed to come",
        f"can I bring my friend {token}",
    ]
    page.get_by_label("Example questions").fill("\n".join(examples))
    page.get_by_label("Sources").fill("Clinic policy (test)")
    page.get_by_role("button", name="Create (as a draft)").click()
    expect(page.get_by_role("status")).to_contain_text("Topic created as a draft")
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_role("status")).to_contain_text("being retrained")

    # Staff see the progress; the old model keeps answering patients meanwhile.
    page.get_by_role("link", name="Topics").first.click()
    training = page.locator("#training")
    expect(training).to_contain_text(re.compile("Checking|Teaching|Switching|Waiting"))
    meanwhile = patient.say("how does botox work?")
    assert HOW_IT_WORKS in meanwhile
    assert rasa_model(admin_stack.rasa_url) == old_model

    expect(training).to_contain_text(
        "Up to date: the assistant recognises every published question.",
        timeout=TRAINING_TIMEOUT_MS,
    )
    expect(training).to_contain_text("Done: the assistant now recognises the new questions.")
    new_model = rasa_model(admin_stack.rasa_url)
    assert new_model != old_model
    assert "You are welcome to bring **one person** with you." in Chat(admin_stack.rasa_url).say(
        "can I bring someone with me?"
    )
    # the rest still works on the new model
    assert HOW_IT_WORKS in Chat(admin_stack.rasa_url).say("how does botox work?")

    # The new entry is answered inside the due-date form too, and the form asks again
    # (the training build lists every entry wherever the forms take questions).
    in_form = Chat(admin_stack.rasa_url)
    assert "two ways" in in_form.say("when is my next injection due?")
    assert "When was your last Botox session?" in in_form.say("/choose_date_calculation")
    reply = in_form.say("can I bring someone with me?")
    assert "You are welcome to bring **one person** with you." in reply
    assert "When was your last Botox session?" in reply
    assert "Tuesday 29 December 2026" in in_form.say("6 October")

    # Staff take it down: patients asking are sent to the clinic, not given the old text.
    page.get_by_role("link", name="Bringing someone with you").first.click()
    page.once("dialog", lambda dialog: dialog.accept())  # "Stop answering this topic?"
    page.get_by_role("button", name="Take down").click()
    expect(page.get_by_role("status")).to_contain_text("Taken down")
    gone = Chat(admin_stack.rasa_url).say("can I bring someone with me?")
    assert "one person" not in gone and "ask the clinic" in gone
    assert js_errors == []
    (PROJECT_ROOT / "models" / new_model).unlink(missing_ok=True)
