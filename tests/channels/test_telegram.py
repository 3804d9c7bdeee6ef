"""Telegram: real-format updates posted to the webhook, replies captured by the fake API."""

from __future__ import annotations

import itertools
import json
import time

import pytest

from tests.channels.conftest import (
    RASA_API_TOKEN,
    TELEGRAM_SECRET,
    TELEGRAM_TOKEN,
    post,
    post_json,
)
from tests.channels.expected import first_paragraph
from tests.channels.fake_platforms import FakePlatforms, Recorded

pytestmark = pytest.mark.e2e

_ids = itertools.count(int(time.time()) % 100_000 * 100)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def update(chat_id: int, text: str) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Pat", "language_code": "en"}
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids),
            "from": user,
            "chat": {"id": chat_id, "first_name": "Pat", "type": "private"},
            "date": int(time.time()),
            "text": text,
        },
    }


def button_click(chat_id: int, data: str) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Pat"}
    bot = {"id": 123456, "is_bot": True, "first_name": "Clinic", "username": "clinic_test_bot"}
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": user,
            "message": {
                "message_id": next(_ids),
                "from": bot,
                "chat": {"id": chat_id, "first_name": "Pat", "type": "private"},
                "date": int(time.time()),
                "text": "Pick a topic",
            },
            "chat_instance": "-4242",
            "data": data,
        },
    }


def sent_to(fake: FakePlatforms, chat_id: int) -> list[Recorded]:
    return fake.received(
        "telegram",
        lambda r: r.api_method == "sendMessage" and str(r.fields().get("chat_id")) == str(chat_id),
    )


@pytest.fixture
def webhook(channel_stack) -> str:
    return channel_stack.webhook_url("telegram")


@pytest.fixture
def chat_id() -> int:
    return next(_ids)


def test_webhook_is_registered_with_a_secret_token_at_start_up(
    channel_stack, fake_platforms: FakePlatforms
) -> None:
    calls = fake_platforms.received("telegram", lambda r: r.api_method == "setWebhook")
    assert calls, "setWebhook was not called at start-up"
    fields = calls[-1].fields()
    assert fields["url"] == channel_stack.webhook_url("telegram")
    assert fields["secret_token"] == TELEGRAM_SECRET
    assert calls[-1].path == f"/telegram/bot{TELEGRAM_TOKEN}/setWebhook"


def _set_webhook_calls(fake: FakePlatforms) -> int:
    return len(fake.received("telegram", lambda r: r.api_method == "setWebhook"))


@pytest.mark.parametrize(
    "query, headers",
    [("", {}), ("?token=wrong", {}), ("", {"Authorization": "Bearer wrong"})],
)
def test_set_webhook_without_the_api_token_is_refused(
    channel_stack, fake_platforms: FakePlatforms, query: str, headers: dict[str, str]
) -> None:
    before = _set_webhook_calls(fake_platforms)
    url = channel_stack.webhook_url("telegram").rsplit("/", 1)[0] + "/set_webhook" + query
    reply = post(url, None, headers, method="GET")
    assert reply.status == 403
    assert _set_webhook_calls(fake_platforms) == before  # Telegram was not asked


@pytest.mark.parametrize("how", ["query", "bearer"])
def test_set_webhook_with_the_api_token_registers_again(
    channel_stack, fake_platforms: FakePlatforms, how: str
) -> None:
    before = _set_webhook_calls(fake_platforms)
    url = channel_stack.webhook_url("telegram").rsplit("/", 1)[0] + "/set_webhook"
    if how == "query":
        reply = post(f"{url}?token={RASA_API_TOKEN}", None, {}, method="GET")
    else:
        reply = post(url, None, {"Authorization": f"Bearer {RASA_API_TOKEN}"}, method="GET")
    assert (reply.status, reply.body) == (200, b"Webhook setup successful")
    assert _set_webhook_calls(fake_platforms) == before + 1
    assert (
        fake_platforms.received("telegram", lambda r: r.api_method == "setWebhook")[-1].fields()[
            "secret_token"
        ]
        == TELEGRAM_SECRET
    )


def test_question_gets_the_answer_as_telegram_html(
    webhook: str, chat_id: int, fake_platforms: FakePlatforms
) -> None:
    reply = post_json(
        webhook, update(chat_id, "which areas do you inject?"), {SECRET_HEADER: TELEGRAM_SECRET}
    )
    assert reply.status == 200
    messages = [r.fields() for r in sent_to(fake_platforms, chat_id)]
    assert messages, "no sendMessage to the patient"
    assert all(m["parse_mode"] == "HTML" for m in messages)
    text = "\n".join(m["text"] for m in messages)
    assert first_paragraph("injection_areas", "telegram") in text
    assert "<b>" in text and "**" not in text
    assert "• the neck" in text


def test_buttons_are_an_inline_keyboard_and_a_click_answers(
    webhook: str, chat_id: int, fake_platforms: FakePlatforms
) -> None:
    post_json(webhook, update(chat_id, "hello"), {SECRET_HEADER: TELEGRAM_SECRET})
    [greeting] = [r.fields() for r in sent_to(fake_platforms, chat_id)]
    keyboard = json.loads(greeting["reply_markup"])["inline_keyboard"]
    assert all(len(row) == 1 for row in keyboard)  # one button per row: readable on phones
    payloads = [row[0]["callback_data"] for row in keyboard]
    assert "/faq_schedule" in payloads

    reply = post_json(
        webhook, button_click(chat_id, "/faq_schedule"), {SECRET_HEADER: TELEGRAM_SECRET}
    )
    assert reply.status == 200
    texts = [r.fields()["text"] for r in sent_to(fake_platforms, chat_id)]
    assert first_paragraph("schedule", "telegram") in "\n".join(texts[1:])


@pytest.mark.parametrize(
    "headers", [{}, {SECRET_HEADER: "forged"}, {SECRET_HEADER: TELEGRAM_SECRET + "x"}]
)
def test_request_without_the_secret_token_is_refused(
    webhook: str, chat_id: int, fake_platforms: FakePlatforms, headers: dict[str, str]
) -> None:
    reply = post_json(webhook, update(chat_id, "which areas do you inject?"), headers)
    assert reply.status == 403
    assert sent_to(fake_platforms, chat_id) == []
