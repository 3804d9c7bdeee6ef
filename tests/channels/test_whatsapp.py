"""WhatsApp through Twilio: signed webhooks in, WhatsApp-formatted replies (faked API)."""

from __future__ import annotations

import pytest

from tests.channels.conftest import TWILIO_WHATSAPP_NUMBER
from tests.channels.expected import first_paragraph
from tests.channels.fake_platforms import FakePlatforms
from tests.channels.twilio_helpers import inbound, new_phone, send, sent_to, signature

pytestmark = pytest.mark.e2e

OUR_NUMBER = f"whatsapp:{TWILIO_WHATSAPP_NUMBER}"


@pytest.fixture
def webhook(channel_stack) -> str:
    return channel_stack.webhook_url("whatsapp")


def whatsapp_message(phone: str, body: str) -> dict[str, str]:
    return inbound(f"whatsapp:{phone}", OUR_NUMBER, body, ProfileName="Pat", WaId=phone.lstrip("+"))


def test_question_gets_whatsapp_formatting_from_the_whatsapp_number(
    webhook: str, fake_platforms: FakePlatforms
) -> None:
    phone = new_phone()
    reply = send(webhook, whatsapp_message(phone, "which areas do you inject?"))
    assert reply.status in (200, 204)
    messages = [r.fields() for r in sent_to(fake_platforms, f"whatsapp:{phone}")]
    assert messages
    assert all(m["From"] == OUR_NUMBER for m in messages)
    text = "\n".join(m["Body"] for m in messages)
    expected = first_paragraph("injection_areas", "whatsapp")
    assert expected in text
    assert "*7 muscle areas of the head and neck*" in expected  # WhatsApp's own bold
    assert "**" not in text


def test_numbered_options_then_a_number(webhook: str, fake_platforms: FakePlatforms) -> None:
    phone = new_phone()
    send(webhook, whatsapp_message(phone, "/ask_capabilities"))
    text = "\n".join(r.fields()["Body"] for r in sent_to(fake_platforms, f"whatsapp:{phone}"))
    lines = [line for line in text.splitlines() if line[:2].rstrip(".").isdigit()]
    index = next(i for i, line in enumerate(lines, 1) if "Side effects" in line)

    send(webhook, whatsapp_message(phone, str(index)))
    bodies = [r.fields()["Body"] for r in sent_to(fake_platforms, f"whatsapp:{phone}")]
    assert first_paragraph("side_effects", "whatsapp") in "\n".join(bodies)


def test_forged_webhook_is_refused(webhook: str, fake_platforms: FakePlatforms) -> None:
    phone = new_phone()
    params = whatsapp_message(phone, "which areas do you inject?")
    forged = signature(webhook, params, token="guessed-token")
    assert send(webhook, params, forged).status == 403
    assert send(webhook, params, "").status == 403
    assert sent_to(fake_platforms, f"whatsapp:{phone}") == []
