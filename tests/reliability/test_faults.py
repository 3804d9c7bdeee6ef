"""Faults: an action server stopped, the clinic database unreachable, a replica killed under
load, Rasa restarted. Each test leaves the stack running (or the next one restarts it)."""

from __future__ import annotations

import re
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.clinic import DEFAULT_PHONE
from bot.due_dates import replies as due_replies
from bot.ops.production import ACTIONS_UNAVAILABLE_TEXT
from tests.reliability.client import new_sender, say, send, tracker, user_texts

PATIENT_DATA = re.compile(r"BTX-?\s?1001|1984-03-15|15 March 1984|15/03/1984", re.IGNORECASE)


def _start_lookup(url: str, sender: str) -> None:
    assert "two ways" in say(url, sender, "when is my next botox injection due?")
    assert "clinic reference" in say(url, sender, "/choose_record_lookup")
    assert "date of birth" in say(url, sender, "BTX-1001")


def _logs(stack, prefix: str) -> str:
    return "\n".join(
        s.log_file.read_text(errors="replace")
        for s in stack.services
        if s.name.startswith(prefix) and s.log_file is not None and s.log_file.is_file()
    )


def test_action_server_stopped_mid_conversation_gets_try_again_then_continues(full_stack):
    url, sender = full_stack.rasa_url, new_sender("actions-down")
    areas = say(url, sender, "which areas do you inject?")
    assert "31" in areas

    for name in full_stack.action_names:
        full_stack.stop_service(name)
    try:
        down = say(url, sender, "how long until it starts working?")
        unavailable = ACTIONS_UNAVAILABLE_TEXT.format(
            phone=(full_stack.settings.clinic_phone or DEFAULT_PHONE)
        )
        assert down.strip() == unavailable
        assert "try again shortly" in down
    finally:
        full_stack.start_service(*full_stack.action_names)

    # Back: the same conversation goes on, with its state from before the outage.
    assert say(url, sender, "which areas do you inject?") == areas
    more = say(url, sender, "tell me more")
    assert more and "try again shortly" not in more
    assert user_texts(tracker(url, sender))[-2:] == ["which areas do you inject?", "tell me more"]


def _allow_connections(database_url: str, allow: bool) -> None:
    parsed = make_url(database_url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(
                text(f'ALTER DATABASE "{parsed.database}" ALLOW_CONNECTIONS {str(allow).lower()}')
            )
            if not allow:  # and close the action servers' open connections
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": parsed.database},
                )
    finally:
        admin.dispose()


def test_clinic_database_unreachable_gives_a_friendly_message(full_stack):
    url, sender = full_stack.rasa_url, new_sender("db-down")
    phone = full_stack.settings.clinic_phone or DEFAULT_PHONE
    _start_lookup(url, sender)
    _allow_connections(full_stack.settings.database_url, False)
    try:
        reply = say(url, sender, "15 March 1984")
    finally:
        _allow_connections(full_stack.settings.database_url, True)
    assert reply == due_replies.lookup_unavailable(phone)
    for leak in ("Traceback", "Error", "sqlalchemy", "psycopg", "postgres"):
        assert leak not in reply

    # The database is back: the same conversation can look the record up.
    _start_lookup(url, sender)
    assert "**Tuesday 29 December 2026**" in say(url, sender, "15 March 1984")

    action_logs = _logs(full_stack, "actions-")
    assert "due date look-up failed: OperationalError" in action_logs
    assert "Traceback" not in action_logs
    assert not PATIENT_DATA.search(action_logs), "patient data in the action server logs"


def test_replica_killed_under_load_loses_no_conversation(full_stack):
    url = full_stack.rasa_url
    questions = [
        "which areas do you inject?",
        "how long until it starts working?",
        "tell me more",
        "how often do I need the injections?",
        "what are the side effects?",
        "thank you",
    ]
    senders = [new_sender(f"kill{i}") for i in range(8)]
    sent = threading.Semaphore(0)
    replies: dict[str, list[list[dict]]] = {s: [] for s in senders}

    def converse(sender: str) -> None:
        for question in questions:
            replies[sender].append(send(url, sender, question))
            sent.release()

    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        futures = [pool.submit(converse, s) for s in senders]
        for _ in range(len(senders)):  # under load: every conversation has started
            assert sent.acquire(timeout=180)
        full_stack.stop_service("rasa-1", signal.SIGKILL)  # as if its machine died
        for future in futures:
            future.result()  # raises if any message failed (any status but 200)

    assert not full_stack.service("rasa-1").running
    for sender in senders:
        assert all(any(m.get("text") for m in reply) for reply in replies[sender])
        assert user_texts(tracker(url, sender)) == questions  # none lost, none doubled


def test_rasa_restarted_conversation_continues_where_it_was(prod_stack):
    # Replicas the previous test killed are started below with the others; the rest first.
    replicas = prod_stack.replica_names
    others = [s.name for s in prod_stack.services if not s.running and s.name not in replicas]
    if others:
        prod_stack.start_service(*others)
    if not any(prod_stack.service(name).running for name in replicas):
        prod_stack.start_service(replicas[0])
    url, sender = prod_stack.rasa_url, new_sender("restart")
    _start_lookup(url, sender)

    for name in replicas:  # every Rasa server down: nothing kept in memory survives
        prod_stack.stop_service(name)
    prod_stack.start_service(*replicas)

    reply = say(url, sender, "15 March 1984")
    assert "**Tuesday 29 December 2026**" in reply
    assert user_texts(tracker(url, sender))[-1] == "15 March 1984"
