"""The idempotency keys and the "already processed" check (bot/rasa/idempotency.py), in-process."""

from __future__ import annotations

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from bot.channels.facebook import message_mid
from bot.rasa import idempotency


def _conversation() -> list:
    return [
        ActionExecuted("action_listen"),
        UserUttered("which areas?", {"name": "ask_injection_areas"}, message_id="rest:a"),
        ActionExecuted("utter_injection_areas"),
        BotUttered("31 injection sites.", {"buttons": [{"title": "More", "payload": "/more"}]}),
        BotUttered("Was this helpful?"),
        SlotSet("topic", "injection_areas"),
        ActionExecuted("action_listen"),
        UserUttered("tell me more", {"name": "more"}, message_id="rest:b"),
        ActionExecuted("utter_more"),
        BotUttered("More about it."),
    ]


def test_a_new_message_id_has_no_earlier_replies() -> None:
    assert idempotency.earlier_replies(_conversation(), "rest:new") is None
    assert idempotency.earlier_replies(_conversation(), None) is None
    assert idempotency.earlier_replies([], "rest:a") is None


def test_a_repeat_gets_the_bot_messages_up_to_the_next_user_message() -> None:
    replies = idempotency.earlier_replies(_conversation(), "rest:a")
    assert [r["text"] for r in replies] == ["31 injection sites.", "Was this helpful?"]
    assert replies[0]["buttons"] == [{"title": "More", "payload": "/more"}]
    last = idempotency.earlier_replies(_conversation(), "rest:b")
    assert [r["text"] for r in last] == ["More about it."]


def test_a_repeat_with_no_stored_answer_gets_an_empty_answer() -> None:
    events = [UserUttered("hi", {"name": "greet"}, message_id="rest:x")]
    assert idempotency.earlier_replies(events, "rest:x") == []


def test_replayed_answers_are_what_rasa_sends_to_a_collecting_channel() -> None:
    replies = idempotency.earlier_replies(_conversation(), "rest:a")
    collector = CollectingOutputChannel()
    asyncio.run(idempotency.replay(collector, "pat", replies))
    assert [m["text"] for m in collector.messages] == ["31 injection sites.", "Was this helpful?"]
    assert collector.messages[0]["buttons"] == [{"title": "More", "payload": "/more"}]
    assert all(m["recipient_id"] == "pat" for m in collector.messages)


def test_keys_are_prefixed_by_origin_and_refuse_unusable_ids() -> None:
    assert idempotency.channel_key("telegram", 42) == "telegram:42"
    assert idempotency.channel_key("rest", "42") == "rest:42"
    for bad in (None, "", True, 4.2, "a\x00b", "x" * 129, ["id"], {"id": 1}):
        assert idempotency.channel_key("rest", bad) is None


def test_rest_key_prefers_the_clients_id_then_nginx_request_id() -> None:
    headers = {"X-Request-ID": "f00d"}
    assert idempotency.rest_key({"message_id": "c1"}, headers) == "rest:c1"
    assert idempotency.rest_key({"message_id": "\x00"}, headers) == "request:f00d"
    assert idempotency.rest_key({}, headers) == "request:f00d"
    assert idempotency.rest_key(None, {}) is None


def test_messages_of_one_request_get_the_key_then_numbered_keys() -> None:
    seen: list[str] = []

    async def on_new_message(message: UserMessage) -> None:
        seen.append(message.message_id)

    async def deliver(key: str | None, count: int) -> None:
        idempotency.set_request_key(key)
        handler = idempotency.keyed(on_new_message)
        for _ in range(count):
            await handler(UserMessage("hi", None, "pat"))

    asyncio.run(deliver("telegram:7", 2))
    assert seen == ["telegram:7", "telegram:7#2"]
    seen.clear()
    asyncio.run(deliver(None, 1))  # no key: Rasa's own random id
    assert len(seen) == 1 and not seen[0].startswith("telegram")


def test_messenger_mid_of_messages_and_postbacks() -> None:
    assert message_mid({"message": {"mid": "m_1", "text": "hi"}}) == "m_1"
    assert message_mid({"postback": {"mid": "m_2", "payload": "/x"}}) == "m_2"
    assert message_mid({"postback": {"payload": "/x"}}) is None
    assert message_mid(None) is None


def test_the_call_back_action_keys_its_request_by_the_latest_user_message() -> None:
    from actions.handoff import latest_message_id

    events = [
        {"event": "user", "text": "Jane", "message_id": "rest:1"},
        {"event": "bot", "text": "Your phone?"},
        {"event": "user", "text": "a question", "message_id": "rest:2"},
        {"event": "slot", "name": "callback_reason", "value": "a question"},
    ]
    assert latest_message_id(events) == "rest:2"
    assert latest_message_id([{"event": "user", "text": "x"}]) is None
    assert latest_message_id([]) is None
