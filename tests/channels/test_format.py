"""The answers' Markdown, converted for each messaging app (bot/channels/format.py)."""

from __future__ import annotations

import pytest

from bot.channels.common import OptionMemory
from bot.channels.format import (
    SMS_LIMIT,
    STYLES,
    TELEGRAM_LIMIT,
    escape_markdown,
    format_message,
    link_phone_numbers,
    numbered_options,
    render,
    render_inline,
)
from bot.content.store import get_content
from bot.content.store import render as fill_placeholders

ANSWER = (
    "You have small injections into **7 muscle areas**, with a *very* fine needle.\n"
    "\n"
    "- between the eyebrows\n"
    "- the forehead\n"
    "\n"
    'Say "tell me more" or see [the leaflet](https://example.org/leaflet?a=1&b=2).'
)
BUTTONS = [
    {"title": "How does it work?", "payload": "/faq_how_it_works"},
    {"title": "Where are the injections?", "payload": "/faq_injection_areas"},
]


def test_sms_gets_plain_text_with_bullets_and_visible_link() -> None:
    assert render(ANSWER, "plain") == (
        "You have small injections into 7 muscle areas, with a very fine needle.\n"
        "\n"
        "• between the eyebrows\n"
        "• the forehead\n"
        "\n"
        'Say "tell me more" or see the leaflet (https://example.org/leaflet?a=1&b=2).'
    )


def test_whatsapp_keeps_bold_and_italics_in_its_own_syntax() -> None:
    text = render(ANSWER, "whatsapp")
    assert "*7 muscle areas*" in text
    assert "_very_" in text
    assert "**" not in text


def test_telegram_gets_escaped_html() -> None:
    text = render(
        "**Dose** < 200 units & <script>alert(1)</script> [x](https://a.b/?q=1&r=2)", "telegram"
    )
    assert text == (
        "<b>Dose</b> &lt; 200 units &amp; &lt;script&gt;alert(1)&lt;/script&gt; "
        '<a href="https://a.b/?q=1&amp;r=2">x</a>'
    )


def test_slack_gets_mrkdwn_with_escaped_control_characters() -> None:
    text = render("**Bold** & <b>not html</b> [leaflet](https://example.org)", "slack")
    assert text == "*Bold* &amp; &lt;b&gt;not html&lt;/b&gt; <https://example.org|leaflet>"


@pytest.mark.parametrize("style", ["plain", "whatsapp", "telegram", "slack"])
def test_unsafe_links_are_shown_as_text_only(style: str) -> None:
    text = render_inline("[click me](javascript:alert(1)) [x](http://insecure.example)", style)
    assert "javascript" not in text
    assert "insecure.example" not in text
    assert "click me" in text


def test_snake_case_and_multiplication_are_not_italics() -> None:
    assert render_inline("last_topic and 2 * 3 * 4", "whatsapp") == "last_topic and 2 * 3 * 4"


# --- patient text inside a reply (escape_markdown) ------------------------------------

TYPED = "**Bold** [click](https://x.example) _under_ *star* back\\slash"


@pytest.mark.parametrize("style", ["plain", "whatsapp"])
def test_escaped_patient_text_is_shown_exactly_as_typed(style: str) -> None:
    reply = f"Thank you, {escape_markdown(TYPED)}. Your name: **{escape_markdown(TYPED)}**."
    shown = render(reply, style)
    assert shown.startswith(f"Thank you, {TYPED}. Your name: ")
    assert TYPED in shown.removeprefix(f"Thank you, {TYPED}.")


def test_escaped_patient_text_is_no_bold_and_no_link_on_telegram_nor_a_link_on_slack() -> None:
    assert render(f"Thank you, {escape_markdown(TYPED)}.", "telegram") == (
        "Thank you, **Bold** [click](https://x.example) _under_ *star* back\\slash."
    )
    # Inside our own bold, the patient's stars stay stars (they do not close it early).
    assert render(f"for **{escape_markdown('**Jo**')}**", "telegram") == "for <b>**Jo**</b>"
    # Slack's mrkdwn has no escape for its own *bold*: the characters are sent as typed.
    slack = render(f"Thank you, {escape_markdown(TYPED)}.", "slack")
    assert slack == f"Thank you, {TYPED}."
    assert "<https://x.example" not in slack


def test_escaped_text_stays_on_its_line_and_starts_no_list() -> None:
    for typed in ("- not a bullet", "1. not a list", "two\n\n- lines"):
        reply = escape_markdown(typed)
        assert "\n" not in reply
        assert render(reply, "plain") == " ".join(typed.split())


def test_ordinary_names_are_left_as_they_are() -> None:
    for typed in ("Jane Doe", "Zoë O'Brien-Smith", "after 3pm", "12 weeks"):
        assert escape_markdown(typed) == typed


@pytest.mark.parametrize("style", STYLES)
def test_a_backslash_before_punctuation_makes_it_literal(style: str) -> None:
    assert render_inline("2 \\* 3 and a \\_b\\_ c", style) == "2 * 3 and a _b_ c"


# --- phone numbers as tel: links ---------------------------------------------------------


def test_phone_numbers_become_tel_links() -> None:
    text = "Call the clinic on **020 7946 0000** or +44 20 7946 0123; in an emergency call 999."
    assert link_phone_numbers(text, "GB") == (
        "Call the clinic on **[020 7946 0000](tel:+442079460000)** or "
        "[+44 20 7946 0123](tel:+442079460123); in an emergency call [999](tel:999)."
    )


def test_only_numbers_are_linked_not_dates_doses_or_references() -> None:
    text = (
        "Next due Tuesday 29 December 2026 (06/10/2026, 2026-11-24), 155 units, "
        "31 injections, 12 weeks, BTX-1001, 9am to 5pm, 911 in the US."
    )
    assert link_phone_numbers(text, "GB") == text


def test_a_number_given_as_an_example_is_not_one_to_call() -> None:
    text = "Please type the full number, for example 020 7946 0123 or +44 20 7946 0123."
    assert link_phone_numbers(text, "GB") == text
    assert link_phone_numbers("For example, 06/10. Or call 999.", "GB") == (
        "For example, 06/10. Or call [999](tel:999)."
    )


def test_the_configured_emergency_number_is_linked_too() -> None:
    assert link_phone_numbers("Call 911 or 000.", "GB", ("000",)) == ("Call 911 or [000](tel:000).")
    assert link_phone_numbers("Call 911.", "US") == "Call [911](tel:911)."


def test_numbers_in_links_and_addresses_are_left_alone() -> None:
    text = "[our line](tel:+442079460000) and https://example.org/02079460000?call=999"
    assert link_phone_numbers(text, "GB", ("999",)) == text


def test_tel_links_read_well_on_every_channel() -> None:
    text = link_phone_numbers("Call **020 7946 0000**.", "GB")
    assert render(text, "plain") == "Call 020 7946 0000."
    assert render(text, "whatsapp") == "Call *020 7946 0000*."
    assert render(text, "slack") == "Call *<tel:+442079460000|020 7946 0000>*."


def test_buttons_become_numbered_options_at_the_end() -> None:
    [message] = format_message("Pick a topic.", "plain", SMS_LIMIT, buttons=BUTTONS)
    assert message == (
        "Pick a topic.\n\nReply with a number:\n1. How does it work?\n2. Where are the injections?"
    )
    assert numbered_options(BUTTONS).startswith("Reply with a number:")


def test_short_answers_stay_in_one_message() -> None:
    assert len(format_message(ANSWER, "plain", SMS_LIMIT)) == 1


def test_long_answers_split_at_paragraphs_under_the_limit() -> None:
    paragraphs = [f"Paragraph {i}. " + "word " * 40 for i in range(10)]
    messages = format_message("\n\n".join(paragraphs), "plain", 500)
    assert len(messages) > 1
    assert all(len(m) <= 500 for m in messages)
    for message in messages:  # every message starts at a paragraph
        assert message.startswith("Paragraph")
    assert " ".join(" ".join(messages).split()) == " ".join(" ".join(paragraphs).split())


def test_a_list_is_not_cut_when_it_fits_in_the_next_message() -> None:
    intro = "Intro. " + "x " * 200
    items = "\n".join(f"- item {i}" for i in range(10))
    messages = format_message(f"{intro}\n\n{items}", "plain", 450)
    assert messages[-1].startswith("• item 0")
    assert messages[-1].endswith("• item 9")


def test_an_oversized_paragraph_splits_at_sentences_then_words() -> None:
    sentences = " ".join(f"Sentence number {i} is here." for i in range(60))
    messages = format_message(sentences, "plain", 200)
    assert all(len(m) <= 200 for m in messages)
    assert all(m.endswith(".") for m in messages)
    one_word = "a" * 450
    assert [len(m) for m in format_message(one_word, "plain", 200)] == [200, 200, 50]


def test_telegram_parts_are_split_before_rendering_so_tags_stay_whole() -> None:
    paragraphs = [f"**Part {i}** " + "text " * 300 for i in range(6)]
    messages = format_message("\n\n".join(paragraphs), "telegram", TELEGRAM_LIMIT)
    assert len(messages) > 1
    for message in messages:
        assert message.count("<b>") == message.count("</b>")
        assert len(message) <= TELEGRAM_LIMIT


@pytest.mark.parametrize("style", ["plain", "whatsapp", "telegram", "slack"])
def test_every_faq_answer_formats_without_markdown_left(style: str) -> None:
    for entry in get_content().entries.values():
        for text in filter(None, [entry.answer, entry.more]):
            filled = fill_placeholders(text, {"clinic_phone": "020 7946 0000"})
            for message in format_message(filled, style, SMS_LIMIT):
                assert "**" not in message
                assert "\n- " not in message and not message.startswith("- ")


def test_a_number_reply_means_the_numbered_option() -> None:
    memory = OptionMemory()
    memory.remember("+447700900123", BUTTONS)
    assert memory.take("+447700900123", " 2 ") == "/faq_injection_areas"
    # options are valid for the next message only
    assert memory.take("+447700900123", "2") == "2"


def test_other_replies_and_out_of_range_numbers_pass_through() -> None:
    memory = OptionMemory()
    memory.remember("a", BUTTONS)
    assert memory.take("a", "3") == "3"
    memory.remember("a", BUTTONS)
    assert memory.take("a", "how does it work") == "how does it work"
    assert memory.take("b", "1") == "1"  # nothing was offered to b


def test_option_memory_is_bounded() -> None:
    memory = OptionMemory(max_senders=2)
    for sender in ("a", "b", "c"):
        memory.remember(sender, BUTTONS)
    assert memory.take("a", "1") == "1"
    assert memory.take("c", "1") == "/faq_how_it_works"
