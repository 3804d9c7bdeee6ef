"""SMS through Twilio: signed webhooks in, plain-text replies to Twilio's API (faked)."""

from __future__ import annotations

import base64

import pytest

from tests.channels.conftest import TWILIO_AUTH_TOKEN, TWILIO_SID, TWILIO_SMS_NUMBER
from tests.channels.expected import first_paragraph
from tests.channels.fake_platforms import FakePlatforms
from tests.channels.twilio_helpers import inbound, new_phone, send, sent_to, signature

pytestmark = pytest.mark.e2e


@pytest.fixture
def webhook(channel_stack) -> str:
    return channel_stack.webhook_url("twilio")


def test_question_gets_a_plain_text_sms_from_the_clinic_number(
    webhook: str, fake_platforms: FakePlatforms
) -> None:
    phone = new_phone()
    reply = send(webhook, inbound(phone, TWILIO_SMS_NUMBER, "which areas do you inject?"))
    assert reply.status in (200, 204)
    [sms] = sent_to(fake_platforms, phone)
    fields = sms.fields()
    assert fields["From"] == TWILIO_SMS_NUMBER
    assert sms.path == f"/twilio/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    credentials = base64.b64encode(f"{TWILIO_SID}:{TWILIO_AUTH_TOKEN}".encode()).decode()
    assert sms.headers["authorization"] == f"Basic {credentials}"
    assert first_paragraph("injection_areas", "plain") in fields["Body"]
    assert "**" not in fields["Body"]
    assert "• the neck" in fields["Body"]
    assert len(fields["Body"]) <= 1600


def test_buttons_become_numbered_options_and_a_number_answers(
    webhook: str, fake_platforms: FakePlatforms
) -> None:
    phone = new_phone()
    send(webhook, inbound(phone, TWILIO_SMS_NUMBER, "hello"))
    [greeting] = [r.fields()["Body"] for r in sent_to(fake_platforms, phone)]
    assert "Reply with a number:" in greeting
    assert "2. Where are the injections?" in greeting

    send(webhook, inbound(phone, TWILIO_SMS_NUMBER, "2"))
    bodies = [r.fields()["Body"] for r in sent_to(fake_platforms, phone)]
    assert first_paragraph("injection_areas", "plain") in "\n".join(bodies[1:])


@pytest.mark.parametrize("forgery", ["no signature", "wrong token", "tampered body", "other url"])
def test_forged_webhook_is_refused(
    webhook: str, fake_platforms: FakePlatforms, forgery: str
) -> None:
    phone = new_phone()
    params = inbound(phone, TWILIO_SMS_NUMBER, "which areas do you inject?")
    sig = {
        "no signature": "",
        "wrong token": signature(webhook, params, token="not-the-auth-token"),
        "tampered body": signature(webhook, {**params, "Body": "hello"}),
        "other url": signature("https://attacker.example/webhooks/twilio/webhook", params),
    }[forgery]
    reply = send(webhook, params, sig)
    assert reply.status == 403
    assert sent_to(fake_platforms, phone) == []
