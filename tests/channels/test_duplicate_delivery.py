"""A webhook delivered twice is processed once, on every messaging channel
(bot/rasa/idempotency.py).

Platforms re-deliver on their own: Telegram sends an update again (same ``update_id``)
when the webhook did not answer, Twilio may call again for one ``MessageSid``, Meta
re-sends a ``mid``, Slack retries an event with ``X-Slack-Retry-Num``; and nginx re-sends a
request whose replica died. Each test delivers one real-format, correctly signed message
twice and checks that the patient got one answer and the conversation holds the message
once, under the platform's own id.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from tests.channels import test_facebook as facebook
from tests.channels import test_slack as slack
from tests.channels import test_telegram as telegram
from tests.channels.conftest import TELEGRAM_SECRET, TWILIO_SMS_NUMBER, post_json
from tests.channels.fake_platforms import FakePlatforms, Recorded
from tests.channels.test_whatsapp import whatsapp_message
from tests.channels.twilio_helpers import inbound, new_phone, send, sent_to

pytestmark = pytest.mark.e2e

QUESTION = "which areas do you inject?"


def user_events(stack, sender: str) -> list[dict]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker"
    with urllib.request.urlopen(url, timeout=60) as response:
        return [e for e in json.loads(response.read())["events"] if e["event"] == "user"]


def test_telegram_update_delivered_twice_is_answered_once(
    channel_stack, fake_platforms: FakePlatforms
) -> None:
    chat_id = next(telegram._ids)
    update = telegram.update(chat_id, QUESTION)
    headers = {telegram.SECRET_HEADER: TELEGRAM_SECRET}
    assert post_json(channel_stack.webhook_url("telegram"), update, headers).status == 200
    answered = len(telegram.sent_to(fake_platforms, chat_id))
    assert answered
    assert post_json(channel_stack.webhook_url("telegram"), update, headers).status == 200
    assert len(telegram.sent_to(fake_platforms, chat_id)) == answered
    events = user_events(channel_stack, str(chat_id))
    assert [(e["text"], e["message_id"]) for e in events] == [
        (QUESTION, f"telegram:{update['update_id']}")
    ]


@pytest.mark.parametrize("channel", ["twilio", "whatsapp"])
def test_twilio_message_delivered_twice_is_answered_once(
    channel_stack, fake_platforms: FakePlatforms, channel: str
) -> None:
    phone = new_phone()
    if channel == "twilio":
        sender, params = phone, inbound(phone, TWILIO_SMS_NUMBER, QUESTION)
    else:
        sender, params = f"whatsapp:{phone}", whatsapp_message(phone, QUESTION)
    webhook = channel_stack.webhook_url(channel)
    assert send(webhook, params).status == 200
    answered = len(sent_to(fake_platforms, sender))
    assert answered
    assert send(webhook, params).status == 200
    assert len(sent_to(fake_platforms, sender)) == answered
    events = user_events(channel_stack, sender)
    assert [(e["text"], e["message_id"]) for e in events] == [
        (QUESTION, f"{channel}:{params['MessageSid']}")
    ]


def test_messenger_event_delivered_twice_is_answered_once(
    channel_stack, fake_platforms: FakePlatforms
) -> None:
    psid = str(next(facebook._ids))
    payload = facebook.event(psid, {"text": QUESTION})
    mid = payload["entry"][0]["messaging"][0]["message"]["mid"]
    webhook = channel_stack.webhook_url("facebook")
    assert facebook.send(webhook, payload).status == 200
    answered = len(facebook.messages_to(fake_platforms, psid))
    assert answered
    assert facebook.send(webhook, payload).status == 200
    assert len(facebook.messages_to(fake_platforms, psid)) == answered
    events = user_events(channel_stack, psid)
    assert [(e["text"], e["message_id"]) for e in events] == [(QUESTION, f"facebook:{mid}")]


@pytest.mark.parametrize("reason", ["http_error", "http_timeout"])
def test_slack_event_retried_is_answered_once(
    channel_stack, fake_platforms: FakePlatforms, reason: str
) -> None:
    user, channel = next(slack._ids), next(slack._ids)
    user, channel = f"U{user}", f"D{channel}"
    webhook = channel_stack.webhook_url("slack")
    event = slack.message_event(user, channel, QUESTION)
    assert slack.send_json(webhook, event).status == 200
    body = json.dumps(event).encode()
    retry_headers = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": reason}
    retried = slack.send_json(webhook, event, {**slack.sign(body), **retry_headers})
    assert retried.status in (200, 201)
    # Slack's messages are processed in the background, in order per conversation: once
    # the next question is answered, both deliveries of the first one were handled.
    follow_up = slack.message_event(user, channel, "what are the side effects?")
    assert slack.send_json(webhook, follow_up).status == 200

    def to_channel(r: Recorded) -> bool:
        return r.api_method == "chat.postMessage" and r.fields().get("channel") == channel

    deadline = time.monotonic() + 120
    while len(events := user_events(channel_stack, user)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # the follow-up's answer is sent before its events are saved
    posts = fake_platforms.received("slack", to_channel)
    assert [(e["text"], e["message_id"]) for e in events] == [
        (QUESTION, f"slack:{event['event_id']}"),
        ("what are the side effects?", f"slack:{follow_up['event_id']}"),
    ]
    assert len(posts) == 2, [p.fields().get("text") for p in posts]
