"""bot.rasa.server: the cached action-response validator behaves exactly like Rasa's."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa import server as rasa_server

VALID = [
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "last_topic", "value": "schedule"}],
        "responses": [{"text": "Every 12 weeks.", "buttons": [{"title": "More", "payload": "/x"}]}],
    },
    {"events": [{"event": "action", "name": "action_listen"}], "responses": [{"text": None}]},
]
INVALID = [
    {"events": "not a list", "responses": []},
    {"events": [{"no_event_key": 1}], "responses": []},
    {"events": [], "responses": "text"},
    ["not", "an", "object"],
    {"events": [{"event": "slot", "name": 3}], "responses": []},
]


def rasa_original(result: dict) -> bool:
    original = RemoteAction.__dict__["_validate_action_result"]
    assert original is not rasa_server.validate_action_result, "patch leaked into this process"
    return original(RemoteAction("a", None), result)


@pytest.mark.parametrize("result", VALID)
def test_accepts_what_rasa_accepts(result: dict) -> None:
    assert rasa_original(result) is True
    assert rasa_server.validate_action_result(None, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_rejects_what_rasa_rejects_with_the_same_error(result: dict) -> None:
    with pytest.raises(ValidationError) as ours:
        rasa_server.validate_action_result(None, result)
    with pytest.raises(ValidationError) as theirs:
        rasa_original(result)
    assert ours.value.message == theirs.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_apply_replaces_rasas_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    rasa_server.apply()
    assert RemoteAction._validate_action_result is rasa_server.validate_action_result
    assert rasa_server.action_response_validator() is rasa_server.action_response_validator()
