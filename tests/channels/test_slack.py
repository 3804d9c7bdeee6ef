"""Slack: signed Events API and interactivity requests in, Web API calls to the fake."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from urllib.parse import urlencode

import pytest

from bot.content.store import get_content
from tests.channels.conftest import SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, Reply, post
from tests.channels.expected import first_paragraph
from tests.channels.fake_platforms import FakePlatforms, Recorded

pytestmark = pytest.mark.e2e

_ids = itertools.count(int(time.time()))


def sign(body: bytes, timestamp: int | None = None, secret: str = SLACK_SIGNING_SECRET) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def message_event(user: str, channel: str, text: str) -> dict:
    ts = f"{time.time():.6f}"
    return {
        "token": "deprecated-verification-token",
        "team_id": "T0CLINIC1",
        "api_app_id": "A0CLINIC1",
        "event": {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im",
        },
        "type": "event_callback",
        "authorizations": [{"user_id": "U0BOT0001", "is_bot": True}],
        "event_id": f"Ev{next(_ids)}",
        "event_time": int(time.time()),
    }


def send_json(url: str, payload: dict, headers: dict | None = None) -> Reply:
    body = json.dumps(payload).encode()
    return post(
        url,
        body,
        {"Content-Type": "application/json", **(sign(body) if headers is None else headers)},
    )


def posts_to(fake: FakePlatforms, channel: str, count: int = 1) -> list[dict]:
    def match(r: Recorded) -> bool:
        return r.api_method == "chat.postMessage" and r.fields().get("channel") == channel

    return [r.fields() for r in fake.wait_for("slack", match, count=count)]


@pytest.fixture
def webhook(channel_stack) -> str:
    return channel_stack.webhook_url("slack")


@pytest.fixture
def dm() -> tuple[str, str]:
    n = next(_ids)
    return f"U{n}", f"D{n}"


def test_question_gets_mrkdwn_through_chat_post_message(
    webhook: str, dm: tuple[str, str], fake_platforms: FakePlatforms
) -> None:
    user, channel = dm
    reply = send_json(webhook, message_event(user, channel, "which areas do you inject?"))
    assert reply.status == 200
    [message] = posts_to(fake_platforms, channel)
    # The answer carries its related entries and the feedback buttons, so it is a Block
    # Kit section + actions.
    section, actions = message["blocks"]
    assert first_paragraph("injection_areas", "slack") in section["text"]["text"]
    assert "*7 muscle areas of the head and neck*" in section["text"]["text"]
    assert "**" not in section["text"]["text"]
    related = [f"/faq_{key}" for key in get_content().entries["injection_areas"].related]
    assert [e["value"] for e in actions["elements"]] == [
        *related,
        "/feedback_helpful",
        "/feedback_not_helpful",
    ]
    call = fake_platforms.received("slack", lambda r: r.fields().get("channel") == channel)[0]
    assert call.headers["authorization"] == f"Bearer {SLACK_BOT_TOKEN}"


def test_buttons_are_block_kit_buttons_and_a_click_answers(
    webhook: str, dm: tuple[str, str], fake_platforms: FakePlatforms
) -> None:
    user, channel = dm
    send_json(webhook, message_event(user, channel, "/ask_capabilities"))
    [message] = posts_to(fake_platforms, channel)
    section, actions = message["blocks"]
    assert section["text"]["type"] == "mrkdwn"
    values = [e["value"] for e in actions["elements"]]
    assert len(values) == 8  # Rasa's own connector drops every button past 5
    assert "/faq_side_effects" in values

    click = {
        "type": "block_actions",
        "user": {"id": user},
        "channel": {"id": channel},
        "message": {"ts": f"{time.time():.6f}"},
        "actions": [
            {"type": "button", "action_id": "a1", "value": "/faq_side_effects", "text": {}}
        ],
    }
    body = urlencode({"payload": json.dumps(click)}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
    assert post(webhook, body, headers).status == 200
    answer = posts_to(fake_platforms, channel, count=2)[1]
    assert first_paragraph("side_effects", "slack") in answer["blocks"][0]["text"]["text"]


def test_url_verification_challenge_is_answered(webhook: str) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    payload = {"token": "x", "challenge": challenge, "type": "url_verification"}
    reply = send_json(webhook, payload)
    assert reply.status == 200
    assert json.loads(reply.body) == {"challenge": challenge}


@pytest.mark.parametrize("forgery", ["unsigned", "wrong secret", "replayed"])
def test_forged_event_is_refused(
    webhook: str, dm: tuple[str, str], fake_platforms: FakePlatforms, forgery: str
) -> None:
    user, channel = dm
    payload = message_event(user, channel, "which areas do you inject?")
    body = json.dumps(payload).encode()
    headers = {
        "unsigned": {},
        "wrong secret": sign(body, secret="guessed"),
        "replayed": sign(body, timestamp=int(time.time()) - 3600),
    }[forgery]
    reply = post(webhook, body, {"Content-Type": "application/json", **headers})
    assert reply.status in (400, 403)
    time.sleep(1)  # Slack replies are sent in the background: give a wrong one time to appear
    assert fake_platforms.received("slack", lambda r: r.fields().get("channel") == channel) == []
