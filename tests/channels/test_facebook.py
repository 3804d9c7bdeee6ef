"""Facebook Messenger: signed webhook events in, Send API calls captured by the fake."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.channels.conftest import (
    FACEBOOK_APP_SECRET,
    FACEBOOK_PAGE_TOKEN,
    FACEBOOK_VERIFY_TOKEN,
    post,
)
from tests.channels.expected import first_paragraph
from tests.channels.fake_platforms import FakePlatforms

pytestmark = pytest.mark.e2e

PAGE_ID = "104857600000001"
_ids = itertools.count(int(time.time() * 1000))


def event(psid: str, message: dict) -> dict:
    now = int(time.time() * 1000)
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": now,
                "messaging": [
                    {
                        "sender": {"id": psid},
                        "recipient": {"id": PAGE_ID},
                        "timestamp": now,
                        "message": {"mid": f"m_{next(_ids)}", **message},
                    }
                ],
            }
        ],
    }


def signed_headers(body: bytes, secret: str = FACEBOOK_APP_SECRET) -> dict[str, str]:
    sha1 = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    sha256 = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Hub-Signature": f"sha1={sha1}",
        "X-Hub-Signature-256": f"sha256={sha256}",
    }


def send(url: str, payload: dict, headers: dict[str, str] | None = None):
    body = json.dumps(payload).encode()
    return post(url, body, signed_headers(body) if headers is None else headers)


def messages_to(fake: FakePlatforms, psid: str) -> list[dict]:
    sent = [r.fields() for r in fake.received("facebook", lambda r: r.api_method == "messages")]
    return [m["message"] for m in sent if m["recipient"]["id"] == psid and "message" in m]


@pytest.fixture
def webhook(channel_stack) -> str:
    return channel_stack.webhook_url("facebook")


@pytest.fixture
def psid() -> str:
    return str(next(_ids))


def test_question_gets_plain_text_through_the_send_api(
    webhook: str, psid: str, fake_platforms: FakePlatforms
) -> None:
    reply = send(webhook, event(psid, {"text": "which areas do you inject?"}))
    assert reply.status == 200
    calls = fake_platforms.received("facebook", lambda r: r.api_method == "messages")
    assert all(c.query["access_token"] == [FACEBOOK_PAGE_TOKEN] for c in calls)
    text = "\n".join(m["text"] for m in messages_to(fake_platforms, psid))
    assert first_paragraph("injection_areas", "plain") in text
    assert "**" not in text
    actions = [
        r.fields().get("sender_action")
        for r in fake_platforms.received("facebook")
        if r.fields().get("recipient", {}).get("id") == psid
    ]
    assert "typing_on" in actions and "typing_off" in actions


def test_long_button_titles_become_numbered_quick_replies(
    webhook: str, psid: str, fake_platforms: FakePlatforms
) -> None:
    send(webhook, event(psid, {"text": "hello"}))
    [greeting] = messages_to(fake_platforms, psid)
    # "Where are the injections?" is longer than Messenger's 20-character quick replies
    assert "2. Where are the injections?" in greeting["text"]
    assert [q["title"] for q in greeting["quick_replies"]] == ["1", "2", "3", "4"]
    assert greeting["quick_replies"][2]["payload"] == "/faq_when_results_appear"

    send(webhook, event(psid, {"text": "2"}))  # typed, not tapped
    texts = [m["text"] for m in messages_to(fake_platforms, psid)[1:]]
    assert first_paragraph("injection_areas", "plain") in "\n".join(texts)


def test_tapped_quick_reply_sends_its_payload(
    webhook: str, psid: str, fake_platforms: FakePlatforms
) -> None:
    message = {"text": "3", "quick_reply": {"payload": "/faq_when_results_appear"}}
    send(webhook, event(psid, message))
    texts = [m["text"] for m in messages_to(fake_platforms, psid)]
    assert first_paragraph("when_results_appear", "plain") in "\n".join(texts)


@pytest.mark.parametrize("forgery", ["unsigned", "wrong secret", "tampered"])
def test_forged_event_is_refused(
    webhook: str, psid: str, fake_platforms: FakePlatforms, forgery: str
) -> None:
    payload = event(psid, {"text": "which areas do you inject?"})
    body = json.dumps(payload).encode()
    headers = {
        "unsigned": {"Content-Type": "application/json"},
        "wrong secret": signed_headers(body, secret="guessed"),
        "tampered": signed_headers(json.dumps(event(psid, {"text": "hi"})).encode()),
    }[forgery]
    reply = post(webhook, body, headers)
    assert reply.status == 403
    assert messages_to(fake_platforms, psid) == []


def test_webhook_verification_needs_the_verify_token(webhook: str) -> None:
    def verify(token: str) -> tuple[int, str]:
        query = urllib.parse.urlencode(
            {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"}
        )
        try:
            with urllib.request.urlopen(f"{webhook}?{query}", timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""

    assert verify(FACEBOOK_VERIFY_TOKEN) == (200, "1158201444")
    assert verify("guessed")[0] == 403
