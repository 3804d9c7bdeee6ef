"""A replica dies mid-message, ten times in one run: every message is processed exactly once.

Each of ten conversations asks a question and then requests a call-back (a five-step form
whose last answer stores the request in the clinic database). In each, one message makes
the replica that processes it die with SIGKILL (``tests/reliability/faulty_replica.py``),
at one of the three moments that matter: after its actions ran but before the conversation
was saved, after it was saved (lock still held), or after the lock was released but before
the answer left. nginx re-sends the message to the other replica, as in production. Half
the conversations send their own message ids, the other half rely on nginx's request id.
Two more conversations talk all along, so the kills also catch their messages in flight.

Afterwards every conversation holds each of its messages exactly once, each was answered
once, the patient got the right answer every time, and each call-back request was stored
once. The dead replica is started again before the next kill.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import create_engine, text

from bot.runner import http_ok
from tests.reliability.client import new_sender, post, send, tracker, user_texts
from tests.reliability.conftest import AUTH_TOKEN

KILLS = 10
POINTS = ("before_save", "after_save", "after_reply")
# Which message of the conversation kills its replica: the call-back's last step (the one
# that stores it) half the time, each other step once.
KILLED_AT = (5, 1, 5, 0, 5, 2, 5, 3, 5, 4)
CONVERSATION = [
    ("which areas do you inject?", "31"),
    ("/request_callback", "What name"),
    ("Jane Doe", "phone number"),
    ("020 7946 0123", "best time"),
    ("weekday mornings", "what is it about"),
    ("a question about my next appointment", "Thank you, Jane Doe"),
]
BACKGROUND = [
    "how long until it starts working?",
    "how often do I need the injections?",
    "what are the side effects?",
    "which areas do you inject?",
]


def _say(url: str, sender: str, message: str, metadata: dict, message_id: str | None) -> str:
    body: dict[str, Any] = {"sender": sender, "message": message, "metadata": metadata}
    if message_id is not None:
        body["message_id"] = message_id
    status, reply = post(f"{url}/webhooks/rest/webhook", json.dumps(body).encode())
    assert status == 200, f"HTTP {status}: {reply[:300]!r}"
    return "\n".join(m.get("text") or "" for m in json.loads(reply))


def _wait_routable(stack, name: str, since: int) -> None:
    """Wait until nginx has passed a request to replica ``name`` since log offset ``since``.

    nginx rests a server that refused connections (``fail_timeout``); the next kill needs
    both replicas in the rotation, or the message re-sent after it would find none.
    """
    address = stack.replica_url(stack.replica_names.index(name)).removeprefix("http://")
    log = stack.settings.var_dir / "log" / "nginx-access.log"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        http_ok(f"{stack.rasa_url}/status?token={AUTH_TOKEN}")  # round robin
        with log.open("rb") as file:
            file.seek(since)
            lines = file.read().decode(errors="replace").splitlines()
        if any(line.split()[3] == "200" and line.split()[-1] == address for line in lines):
            return
    raise AssertionError(f"nginx did not route to {name} again")


def _callbacks(database_url: str, sender: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT count(*) FROM callback_requests WHERE conversation_id = :s"),
                {"s": sender},
            ).scalar()
    finally:
        engine.dispose()


def _bot_texts(tracker_json: dict[str, Any]) -> list[str]:
    return [e.get("text") or "" for e in tracker_json["events"] if e["event"] == "bot"]


def test_replica_killed_mid_message_ten_times_every_message_processed_once(full_stack):
    url = full_stack.rasa_url
    log = full_stack.settings.var_dir / "log" / "nginx-access.log"
    stop = threading.Event()
    background: dict[str, list[str]] = {}

    def talk(tag: str) -> None:  # load: conversations whose messages the kills catch
        sender, sent = new_sender(tag), []
        background[sender] = sent
        while not stop.is_set():
            question = BACKGROUND[len(sent) % len(BACKGROUND)]
            assert any(m.get("text") for m in send(url, sender, question))
            sent.append(question)

    conversations: list[str] = []
    kills: list[str] = []
    restart: threading.Thread | None = None
    since = 0  # the nginx log's size when the last replica died
    with ThreadPoolExecutor(max_workers=2) as pool:
        talkers = [pool.submit(talk, f"load{i}") for i in range(2)]
        try:
            for k in range(KILLS):
                point, killed_at = POINTS[k % len(POINTS)], KILLED_AT[k]
                sender = new_sender(f"death{k}")
                conversations.append(sender)
                for i, (message, expected) in enumerate(CONVERSATION):
                    metadata = {}
                    if i == killed_at:
                        if restart is not None:  # both replicas up and in the rotation
                            restart.join()
                            _wait_routable(full_stack, kills[-1], since)
                        metadata = {"test_fault": point}
                    message_id = f"{sender}-{i}" if k % 2 == 0 else None
                    reply = _say(url, sender, message, metadata, message_id)
                    assert expected in reply, (k, point, message, reply)
                    if i == killed_at:
                        dead = [
                            n for n in full_stack.replica_names if not full_stack.service(n).running
                        ]
                        assert len(dead) == 1, f"kill {k} ({point}): {dead} not running"
                        kills.append(dead[0])
                        since = log.stat().st_size
                        restart = threading.Thread(target=full_stack.start_service, args=dead)
                        restart.start()
        finally:
            stop.set()
            for talker in talkers:
                talker.result()  # raises if a background message failed
            if restart is not None:
                restart.join()

    assert len(kills) == KILLS
    assert set(kills) == set(full_stack.replica_names)  # each replica died, in turn
    for sender in conversations:
        history = tracker(url, sender)
        assert user_texts(history) == [m for m, _ in CONVERSATION], sender
        bot = _bot_texts(history)
        assert sum("31" in t for t in bot) == 1, bot
        assert sum("Thank you, Jane Doe" in t for t in bot) == 1, bot
        assert _callbacks(full_stack.settings.database_url, sender) == 1, sender
    for sender, sent in background.items():
        assert sent and user_texts(tracker(url, sender)) == sent, sender
