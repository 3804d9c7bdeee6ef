"""Exactly once under replica deaths (issue 17): ten SIGKILLs in one run, mid-message.

Conversations talk without pause through nginx while one Rasa replica after the other is
killed at a moment when messages are in flight (a random few milliseconds after one was
sent, so the kill lands in different phases: before the replica saved the conversation,
after it saved it but before it answered, after it released the lock). nginx re-sends a
message whose replica died to the other one; the message's idempotency key (nginx's
request id, kept across the retry: bot/rasa/idempotency.py) makes the second replica
answer with the first processing's answer when the first had already saved it. A kill
comes once every message that lived through the previous kill is answered: two replicas
protect a message from one death, not from both (found in a fresh-clone run, where a slow
survivor still held a re-sent message when it was killed in turn: nginx's 502).

Checked for every conversation: each message answered, the conversation holds each
patient message exactly once, in order, and its call-back request is stored once.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bot.db.models import CallbackRequest
from bot.db.session import session_scope
from tests.reliability.client import new_sender, send, tracker, user_texts

KILLS = 10
WORKERS = 4
# A conversation that asks, then fills the call-back form, then asks again.
SCRIPT = [
    "which areas do you inject?",
    "how long until it starts working?",
    "/request_callback",
    "Jane Doe",
    "020 7946 0123",
    "weekday mornings",
    "a question about my next appointment",
    "how often do I need the injections?",
    "thank you",
]


def test_ten_replica_deaths_mid_message_leave_every_message_once(full_stack):
    url = full_stack.rasa_url
    replicas = full_stack.replica_names
    stop = threading.Event()
    lock = threading.Lock()
    # Messages on their way, by the number of kills before they were sent. With two
    # replicas a message survives one death (nginx re-sends it to the other), not two:
    # nginx never re-sends to a server the message already tried. So a kill waits until
    # every message that lived through the previous one has its answer.
    in_flight: Counter[int] = Counter()
    generation = 0
    sent_since_kill = 0
    finished: dict[str, list[list[dict]]] = {}

    def converse() -> None:
        nonlocal sent_since_kill
        while not stop.is_set():
            sender = new_sender("death")
            replies = []
            for text in SCRIPT:  # a started conversation is always finished
                with lock:
                    sent_in = generation
                    in_flight[sent_in] += 1
                try:
                    replies.append(send(url, sender, text))
                finally:
                    with lock:
                        in_flight[sent_in] -= 1
                        sent_since_kill += 1
            finished[sender] = replies

    rng = random.Random()
    kills = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        workers = [pool.submit(converse) for _ in range(WORKERS)]
        try:
            for n in range(KILLS):
                victim = replicas[n % len(replicas)]
                deadline = time.monotonic() + 120
                while True:  # under load, and a message on its way at this moment
                    with lock:
                        survivors_done = all(in_flight[g] == 0 for g in range(generation))
                        ready = (
                            survivors_done
                            and sum(in_flight.values()) > 0
                            and sent_since_kill >= WORKERS
                        )
                    if ready or time.monotonic() > deadline:
                        break
                    time.sleep(0.005)
                assert ready, "no message in flight for two minutes"
                time.sleep(rng.uniform(0, 0.15))
                full_stack.stop_service(victim, signal.SIGKILL)  # as if its machine died
                kills.append(victim)
                with lock:
                    sent_since_kill = 0
                    generation += 1
                full_stack.start_service(victim)  # the survivor serves meanwhile
                for worker in workers:
                    if worker.done():
                        worker.result()  # a failed message (any status but 200) fails here
        finally:
            stop.set()
        for worker in workers:
            worker.result()

    assert len(kills) == KILLS
    assert len(finished) >= WORKERS
    for sender, replies in finished.items():
        assert all(any(m.get("text") for m in reply) for reply in replies), sender
        assert user_texts(tracker(url, sender)) == SCRIPT, sender  # none lost, none doubled
        with session_scope(full_stack.settings.database_url) as session:
            stored = session.execute(
                select(func.count())
                .select_from(CallbackRequest)
                .where(CallbackRequest.conversation_id == sender)
            ).scalar_one()
        assert stored == 1, (sender, stored)
