"""The website widget's socket.io channel: Rasa's, with these changes.

1. **Session persistence works.** Rasa 3.6's ``session_request`` handler calls
   ``sio.enter_room(...)`` without ``await``; since python-socketio 5.10 that is a
   coroutine, so the socket never joins its session's room and, with
   ``session_persistence: true``, the bot's answers go nowhere (RasaHQ/rasa#13027, not
   fixed in 3.6). We register a handler that awaits it.
2. **One answer, one message.** Rasa splits every answer at blank lines into separate
   messages; the widget renders paragraphs and lists itself (safe Markdown), so an
   answer arrives whole, with its quick replies.
3. **Hostile input is checked** (``bot.channels.guard``): the text is cleaned and cut to
   a sane length (the patient is told when it was cut); a message whose ``session_id`` is
   not an acceptable id is ignored.
4. **A message sent twice is processed once**: the widget gives each message a
   ``message_id``, Rasa's ``message_id`` of the message (``bot/rasa/idempotency.py``).
5. **Phone numbers can be tapped**: each becomes a ``tel:`` link
   (``bot.channels.format.link_phone_numbers``; 999 and ``EMERGENCY_NUMBER`` too).
6. **The widget is told what a message is for**, by a ``metadata`` object beside the text:
   ``{"kind": "red_flag", "emergency_number": "999"}`` on the red-flag advice (the widget
   shows it as urgent, with a "Call 999" button) and ``{"kind": "conversation_erased"}``
   on the "forget me" confirmation (the widget clears its window). Read from the response's
   name (Rasa's ``utter_action``), so the domain's responses stay as they are and every
   other channel gets the same text.

The events and message shapes are Rasa's (``user_uttered`` / ``bot_uttered``,
``{"text", "quick_replies"}``, plus ``metadata``), so any Rasa socket.io client still works.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput as RasaSocketIOOutput
from sanic import Blueprint

from bot.channels.format import link_phone_numbers
from bot.channels.guard import clean_text, tell_if_cut, valid_sender
from bot.rasa import idempotency
from bot.settings import load_settings

logger = logging.getLogger(__name__)


# What the widget is told about a message, by the name of the response it came from.
RED_FLAG_RESPONSE = "utter_red_flag"
ERASED_RESPONSE = "utter_forgotten"


def message_body(text: str | None, utter_action: str | None = None) -> dict[str, Any]:
    """The ``bot_uttered`` body for ``text``: phone numbers as ``tel:`` links, and the
    metadata the widget acts on (above)."""
    settings = load_settings()
    emergency = settings.emergency_number
    body: dict[str, Any] = {
        "text": link_phone_numbers((text or "").strip(), settings.phone_region, (emergency,))
    }
    if utter_action == RED_FLAG_RESPONSE:
        body["metadata"] = {"kind": "red_flag", "emergency_number": emergency}
    elif utter_action == ERASED_RESPONSE:
        body["metadata"] = {"kind": "conversation_erased"}
    return body


class SocketIOOutput(RasaSocketIOOutput):
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_message(recipient_id, message_body(text, kwargs.get("utter_action")))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        quick_replies = [
            {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons
        ]
        body = message_body(text, kwargs.get("utter_action"))
        await self._send_message(recipient_id, {**body, "quick_replies": quick_replies})


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io input channel (same name, path and events), fixed as above."""

    def get_output_channel(self) -> SocketIOOutput | None:
        if self.sio is None:
            return super().get_output_channel()  # type: ignore[return-value]
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None

        # Replaces Rasa's handlers for these two events (one handler per event).
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            data = data if isinstance(data, dict) else {}
            if not valid_sender(data.get("session_id")):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, data["session_id"], namespace=self.namespace)
            await sio.emit("session_confirm", data["session_id"], room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: dict[str, Any]) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                sender_id = valid_sender(data.get("session_id"))
                if sender_id is None:
                    logger.warning("socket.io message without a valid session_id ignored")
                    return
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            output = SocketIOOutput(sio, self.bot_message_evt)
            message = UserMessage(
                clean_text(data.get("message")) or "",
                output,
                sender_id,
                input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else {},
                message_id=idempotency.channel_key("socketio", data.get("message_id")),
            )
            await tell_if_cut(data.get("message"), output, sender_id)
            await on_new_message(message)

        return blueprint
