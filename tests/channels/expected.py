"""Expected answer text, read from the content store (a wording change breaks nothing)."""

from __future__ import annotations

from bot.channels.format import render
from bot.channels.slack import with_phone_links
from bot.clinic import DEFAULT_PHONE
from bot.content.store import get_content
from bot.content.store import render as fill_placeholders
from bot.settings import load_settings


def first_paragraph(topic_key: str, style: str) -> str:
    """The first paragraph of a topic's answer (up to a blank line or a list), as the
    channel ``style`` shows it (on Slack with its phone numbers as ``tel:`` links)."""
    text = get_content().entries[topic_key].answer
    text = fill_placeholders(text, {"clinic_phone": load_settings().clinic_phone or DEFAULT_PHONE})
    paragraph = text.split("\n\n")[0].split("\n- ")[0]
    if style == "slack":
        paragraph = with_phone_links(paragraph)
    return render(paragraph, style)
