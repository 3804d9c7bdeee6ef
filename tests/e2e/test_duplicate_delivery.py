"""A message delivered twice is processed once (bot/rasa/idempotency.py): REST and the widget's
socket.io channel, against the real Rasa server, action server and databases."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from typing import Any

import pytest
import socketio

from tests.e2e.chat import Chat
from tests.e2e.test_handoff_privacy import callbacks

pytestmark = pytest.mark.e2e


def post(chat: Chat, text: str, message_id: str | None = None, **headers: str) -> list[dict]:
    body: dict[str, Any] = {"sender": chat.sender, "message": text}
    if message_id is not None:
        body["message_id"] = message_id
    request = urllib.request.Request(
        chat.url, json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 200
        return json.loads(response.read())


def user_events(rasa_url: str, sender: str) -> list[dict]:
    url = f"{rasa_url}/conversations/{sender}/tracker"
    with urllib.request.urlopen(url, timeout=60) as response:
        return [e for e in json.loads(response.read())["events"] if e["event"] == "user"]


def texts(messages: list[dict]) -> list[str]:
    return [m.get("text", "") for m in messages]


@pytest.fixture
def chat(stack) -> Chat:
    return Chat(stack.rasa_url)


def test_rest_message_sent_twice_with_its_id_is_answered_once_with_the_same_answer(
    stack, chat: Chat
) -> None:
    first = post(chat, "which areas do you inject?", "q-1")
    assert any("31" in t for t in texts(first))
    again = post(chat, "which areas do you inject?", "q-1")
    assert again == first  # the first answer (text and buttons), not a second processing
    events = user_events(stack.rasa_url, chat.sender)
    assert [(e["text"], e["message_id"]) for e in events] == [
        ("which areas do you inject?", "rest:q-1")
    ]
    bot_texts = [
        e["text"]
        for e in _all_events(stack.rasa_url, chat.sender)
        if e["event"] == "bot" and "31" in (e.get("text") or "")
    ]
    assert len(bot_texts) == 1, "the question was answered twice"


def _all_events(rasa_url: str, sender: str) -> list[dict]:
    url = f"{rasa_url}/conversations/{sender}/tracker"
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())["events"]


def test_request_resent_with_the_same_request_id_is_processed_once(stack, chat: Chat) -> None:
    # What nginx does when the replica holding a request died: the same request, with
    # the same X-Request-ID ($request_id), to the next replica.
    request_id = uuid.uuid4().hex
    first = post(chat, "how long until it starts working?", **{"X-Request-ID": request_id})
    again = post(chat, "how long until it starts working?", **{"X-Request-ID": request_id})
    assert again == first and first
    events = user_events(stack.rasa_url, chat.sender)
    assert [e["message_id"] for e in events] == [f"request:{request_id}"]


def test_the_same_text_with_new_ids_is_processed_each_time(stack, chat: Chat) -> None:
    post(chat, "which areas do you inject?", "a")
    post(chat, "which areas do you inject?", "b")
    post(chat, "which areas do you inject?")  # no id at all: Rasa's own, always new
    events = user_events(stack.rasa_url, chat.sender)
    assert [e["text"] for e in events] == ["which areas do you inject?"] * 3
    assert len({e["message_id"] for e in events}) == 3


def test_a_form_answer_delivered_twice_is_taken_once(stack, chat: Chat) -> None:
    assert "What name" in texts(post(chat, "/request_callback", "f-1"))[-1]
    asked_phone = post(chat, "Jane Doe", "f-2")
    assert "phone number" in "\n".join(texts(asked_phone))
    # The name again (a re-sent request): not taken as the phone number.
    assert post(chat, "Jane Doe", "f-2") == asked_phone
    assert "best time" in "\n".join(texts(post(chat, "020 7946 0123", "f-3")))
    assert "what is it about" in "\n".join(texts(post(chat, "weekday mornings", "f-4")))
    done = post(chat, "a question about my next appointment", "f-5")
    assert "Thank you, Jane Doe" in "\n".join(texts(done))
    assert post(chat, "a question about my next appointment", "f-5") == done
    [stored] = callbacks(stack.settings.database_url, chat.sender)
    assert (stored.name, stored.phone) == ("Jane Doe", "020 7946 0123")
    assert [e["message_id"] for e in user_events(stack.rasa_url, chat.sender)] == [
        f"rest:f-{i}" for i in range(1, 6)
    ]


async def _widget_sends_twice(rasa_url: str) -> tuple[str, list[str]]:
    """A widget session that emits one message twice with one id, then another message."""
    client = socketio.AsyncClient(reconnection=False)
    answers: asyncio.Queue[str] = asyncio.Queue()
    confirmed = asyncio.Event()

    @client.on("session_confirm")
    async def _confirm(*_: object) -> None:
        confirmed.set()

    @client.on("bot_uttered")
    async def _uttered(data: object) -> None:
        if isinstance(data, dict) and data.get("text"):
            await answers.put(data["text"])

    # Long polling: python-socketio's websocket client needs a newer aiohttp than Rasa's.
    await client.connect(rasa_url, transports=["polling"], socketio_path="socket.io")
    session_id = uuid.uuid4().hex
    await client.emit("session_request", {"session_id": session_id})
    await asyncio.wait_for(confirmed.wait(), 30)
    question = {"message": "which areas do you inject?", "session_id": session_id}
    await client.emit("user_uttered", {**question, "message_id": "w-1"})
    await client.emit("user_uttered", {**question, "message_id": "w-1"})
    # One conversation's messages are processed in order: once the answer to this one
    # arrived, both deliveries of the first were handled.
    await client.emit(
        "user_uttered",
        {"message": "what are the side effects?", "session_id": session_id, "message_id": "w-2"},
    )
    collected: list[str] = []
    deadline = asyncio.get_running_loop().time() + 120
    while not any("side effect" in t.lower() for t in collected):
        remaining = deadline - asyncio.get_running_loop().time()
        collected.append(await asyncio.wait_for(answers.get(), max(remaining, 0.1)))
    await client.disconnect()
    return session_id, collected


def test_widget_message_delivered_twice_is_answered_once(stack) -> None:
    session_id, answers = asyncio.run(_widget_sends_twice(stack.rasa_url))
    assert len([a for a in answers if "31" in a]) == 1, answers
    events = user_events(stack.rasa_url, session_id)
    assert [(e["text"], e["message_id"]) for e in events] == [
        ("which areas do you inject?", "socketio:w-1"),
        ("what are the side effects?", "socketio:w-2"),
    ]
