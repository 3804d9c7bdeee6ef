"""The REST channel: Rasa's (same name, path, request and response), with input checks.

``POST /webhooks/rest/webhook`` with ``{"sender": ..., "message": ..., "metadata": {...}}``.
A body that is not a JSON object, a sender that is not an acceptable id, a message that
is not a string or metadata that is not an object get ``400`` with a short reason,
instead of an error inside Rasa (a 500). The text is cleaned by ``bot.channels.guard``.

A message longer than the guard's limit is cut, and the reply starts with a message that
says so (``bot.channels.guard.CUT_NOTICE``).

Each message's idempotency key (``bot/rasa/idempotency.py``) is the ``message_id`` the client
sends in the body, else the ``X-Request-ID`` that nginx sets for each request and keeps
when it re-sends the request to another replica: a repeat gets the first answer again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint
from sanic.exceptions import InvalidUsage as BadRequest  # sanic 21: 400
from sanic.request import Request

from bot.channels.guard import clean_text, tell_if_cut, valid_sender
from bot.rasa import idempotency

# The message text as sent, for the handler Rasa calls after reading it (one per request).
_raw_message: ContextVar[Any] = ContextVar("rest_raw_message", default=None)


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception as exc:  # sanic: unreadable JSON
        raise BadRequest("the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


class RestInput(RasaRestInput):
    """Rasa's REST input channel with the checks above."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def telling_if_cut(message: UserMessage) -> Any:
            await tell_if_cut(_raw_message.get(), message.output_channel, message.sender_id)
            return await on_new_message(message)

        blueprint = super().blueprint(idempotency.keyed(telling_if_cut))

        @blueprint.middleware("request")
        async def message_key(request: Request) -> None:
            try:
                body = request.json if request.method == "POST" else None
            except Exception:  # unreadable JSON: the handler answers 400
                body = None
            idempotency.set_request_key(idempotency.rest_key(body, request.headers))

        return blueprint

    async def _extract_sender(self, req: Request) -> str | None:
        body = _body(req)
        if body.get("sender") is None:
            return None  # Rasa's default conversation, as before
        sender = valid_sender(body["sender"])
        if sender is None:
            raise BadRequest("sender must be a string of 1 to 128 printable characters")
        return sender

    def _extract_message(self, req: Request) -> str | None:
        raw = _body(req).get("message")
        _raw_message.set(raw)
        text = clean_text(raw)
        if text is None:
            raise BadRequest("message must be a string")
        return text

    def _extract_input_channel(self, req: Request) -> str:
        channel = valid_sender(_body(req).get("input_channel"))
        return channel if channel and len(channel) <= 64 else self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = _body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise BadRequest("metadata must be a JSON object")
        return metadata
