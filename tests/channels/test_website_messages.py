"""What the widget's socket.io channel sends (bot/channels/website.py) and the input guard's
notice for a cut message (bot/channels/guard.py), without a running server."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.channels.guard import CUT_NOTICE, MAX_MESSAGE_CHARS, clean_text, tell_if_cut
from bot.channels.website import message_body
from bot.settings import DEFAULT_EMERGENCY_NUMBER, load_settings

RED_FLAG = "Please get medical help immediately: call emergency services now (999 in the UK)."


def test_the_red_flag_advice_is_marked_with_the_emergency_number_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EMERGENCY_NUMBER", "112")
    body = message_body(RED_FLAG + " Or 112.", "utter_red_flag")
    assert body["metadata"] == {"kind": "red_flag", "emergency_number": "112"}
    assert body["text"].endswith("([999](tel:999) in the UK). Or [112](tel:112).")


def test_the_emergency_number_is_999_unless_set_to_a_short_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EMERGENCY_NUMBER", raising=False)
    assert load_settings().emergency_number == DEFAULT_EMERGENCY_NUMBER == "999"
    for unusable in ("call 999", "9", "1234567", "+999"):
        monkeypatch.setenv("EMERGENCY_NUMBER", unusable)
        assert load_settings().emergency_number == "999"
    monkeypatch.setenv("EMERGENCY_NUMBER", "000")
    assert message_body(RED_FLAG, "utter_red_flag")["metadata"]["emergency_number"] == "000"


def test_the_forget_me_confirmation_tells_the_widget_to_clear_its_window() -> None:
    body = message_body("Done: this conversation has been erased.", "utter_forgotten")
    assert body["metadata"] == {"kind": "conversation_erased"}


def test_other_messages_carry_no_metadata_and_their_numbers_become_links() -> None:
    body = message_body("  You can talk to the clinic team on **020 7946 0000**.  ", None)
    assert body == {
        "text": "You can talk to the clinic team on **[020 7946 0000](tel:+442079460000)**."
    }
    assert "metadata" not in message_body("Hello!", "utter_greet")


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run ``coroutine`` to the end in a thread of its own (another test's event loop may
    be running in this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


class Collecting:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent.append((recipient_id, text))


def test_a_message_over_the_limit_is_cut_and_the_patient_is_told() -> None:
    output = Collecting()
    long_text = "a" * (MAX_MESSAGE_CHARS + 1)
    run(tell_if_cut(long_text, output, "patient-1"))
    assert output.sent == [("patient-1", CUT_NOTICE)]
    assert f"{MAX_MESSAGE_CHARS:,}" in CUT_NOTICE
    assert clean_text(long_text) == "a" * MAX_MESSAGE_CHARS


def test_a_message_at_the_limit_is_not_cut_and_nothing_is_said() -> None:
    output = Collecting()
    text = "a" * MAX_MESSAGE_CHARS
    for value in (text, None, 42):
        run(tell_if_cut(value, output, "patient-1"))
    assert output.sent == []
    assert clean_text(text) == text
