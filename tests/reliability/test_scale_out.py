"""Several replicas share one conversation: tracker store (PostgreSQL) and lock store (Redis)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.reliability.client import new_sender, say, send, tracker, user_texts
from tests.reliability.conftest import AUTH_TOKEN, SITE_ORIGIN


def test_conversation_alternating_between_replicas_keeps_slots_form_and_history(full_stack):
    first, second = full_stack.replica_url(0), full_stack.replica_url(1)
    sender = new_sender("alternate")
    assert "two ways" in say(first, sender, "when is my next botox injection due?")
    assert "clinic reference" in say(second, sender, "/choose_record_lookup")
    assert "date of birth" in say(first, sender, "BTX-1001")
    # The other replica sees the form in progress and the slot the first one filled.
    midway = tracker(second, sender)
    assert midway["active_loop"]["name"] == "due_lookup_form"
    assert midway["slots"]["requested_slot"] == "date_of_birth"
    assert midway["slots"]["patient_reference"] == "BTX-1001"
    reply = say(second, sender, "15 March 1984")
    assert "**Tuesday 29 December 2026**" in reply
    history = tracker(first, sender)
    assert user_texts(history) == [
        "when is my next botox injection due?",
        "/choose_record_lookup",
        "BTX-1001",
        "15 March 1984",
    ]
    assert not history["active_loop"]
    assert history["slots"]["date_of_birth"] is None


def test_burst_into_one_conversation_is_processed_in_order_without_loss(full_stack):
    sender = new_sender("burst")
    texts = [f"which areas do you inject? ({i})" for i in range(12)]
    # Through nginx (round robin: both replicas) and straight to each replica.
    urls = [full_stack.rasa_url, full_stack.replica_url(0), full_stack.replica_url(1)]
    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        replies = list(pool.map(lambda it: send(urls[it[0] % 3], sender, it[1]), enumerate(texts)))
    assert all(any(m.get("text") for m in reply) for reply in replies)
    events = tracker(full_stack.rasa_url, sender)["events"]
    said = user_texts({"events": events})
    assert sorted(said) == sorted(texts)  # each message once: none lost, none doubled
    # One message at a time: each is processed (bot answers, back to listening) before
    # the next one starts.
    kinds = [
        "listen" if e["event"] == "action" and e.get("name") == "action_listen" else e["event"]
        for e in events
    ]
    user_positions = [i for i, kind in enumerate(kinds) if kind == "user"]
    for position in user_positions:
        assert kinds[position - 1] == "listen"
    for start, end in zip(user_positions, [*user_positions[1:], len(kinds)], strict=True):
        between = kinds[start + 1 : end]
        assert "bot" in between and between[-1] == "listen", between
    # And the events were saved in that order: one answer per message.
    assert sum(kind == "bot" for kind in kinds) >= len(texts)


def _get(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_http_api_needs_the_token(full_stack):
    sender = new_sender("api")
    say(full_stack.rasa_url, sender, "hello")
    url = f"{full_stack.rasa_url}/conversations/{sender}/tracker"
    assert _get(url)[0] == 401
    assert _get(url + "?token=wrong-token")[0] == 401
    status, _, body = _get(f"{url}?token={AUTH_TOKEN}")
    assert status == 200 and json.loads(body)["sender_id"] == sender
    assert _get(f"{full_stack.rasa_url}/status")[0] == 401


def test_cors_is_limited_to_the_site_origin(full_stack):
    url = f"{full_stack.rasa_url}/webhooks/rest/"
    _, allowed, _ = _get(url, {"Origin": SITE_ORIGIN})
    assert allowed.get("Access-Control-Allow-Origin") == SITE_ORIGIN
    _, other, _ = _get(url, {"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other
