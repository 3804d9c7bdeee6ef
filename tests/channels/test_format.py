"""The answers' Markdown, converted for each messaging app (bot/channels/format.py)."""

from __future__ import annotations

import pytest

from bot.channels.common import OptionMemory
from bot.channels.format import (
    SMS_LIMIT,
    TELEGRAM_LIMIT,
    format_message,
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
