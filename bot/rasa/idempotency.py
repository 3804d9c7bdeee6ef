"""Each incoming message is processed at most once, however often it is delivered.

Why: a message can reach Rasa twice. nginx re-sends a request whose replica died before
answering (``proxy_next_upstream ... non_idempotent``), and a replica can die *after* it
stored the conversation but before its answer left (the flake of issue 17: the
conversation then held the patient's question twice, and had answered it twice).
Telegram, Slack, Twilio and Meta also re-deliver a webhook on their own when an answer
is slow or lost. Processing a message again can do real harm: a form takes the same
answer twice, a call-back request is stored twice.

How (one mechanism for every channel; each channel only supplies the key):

1. **A key per message.** Each channel sets Rasa's ``UserMessage.message_id`` to an id
   that is the same on every delivery of one message: the platform's own id (Telegram
   ``update_id``, Twilio ``MessageSid``, Messenger ``mid``, Slack ``event_id``), the id a
   REST or widget client sends (``message_id``), else the id nginx gives each request
   and keeps across its retry (``X-Request-ID: $request_id``). Rasa stores it on the
   ``UserUttered`` event (``message_id``) in the tracker, as it always does.
   :func:`channel_key` and :func:`keyed` do this for the connectors whose
   ``UserMessage`` Rasa builds itself; a message with no key keeps Rasa's random id.
2. **The check runs under the conversation's lock.** Rasa's ``Agent.handle_message``
   takes the lock store's lock for the conversation (Redis across replicas) and then
   calls ``MessageProcessor.handle_message``, which loads the tracker from the tracker
   store and logs the message. Just before the message is parsed and logged
   (``_handle_message_with_tracker``), :func:`apply`'s hook looks for a ``UserUttered``
   with the same ``message_id`` among the tracker's events. Because the first delivery
   saved its events before it released the lock, a later delivery always sees them,
   whichever replica it reaches; two deliveries at once queue on the lock.
3. **A repeat is not processed again**: no NLU, no policies, no actions, nothing saved.
   The sender gets what the first processing answered: on a channel whose answer is the
   HTTP response (REST: Rasa's ``CollectingOutputChannel``), the bot messages that
   followed the first delivery up to the next user message (``BotUttered`` events carry
   text, buttons and custom data), replayed into this response; on a push channel
   (socket.io, Telegram, Twilio, Messenger, Slack) those answers were already sent to
   the patient by the first processing (they are sent before the tracker is saved), so
   nothing is sent again and the webhook gets its usual empty success.

Limits: the check looks at the conversation's current session (what the tracker store
loads); a repeat delivered after the conversation was erased ("forget me") or after its
session expired (60 minutes) is processed as a new message.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

MAX_KEY_CHARS = 160  # Rasa's message_id is free text; ours stay short and printable
REQUEST_ID_HEADER = "X-Request-ID"  # set by nginx to $request_id (bot/production.py)


def clean_key(value: Any) -> str | None:
    """``value`` as a key part if it is a usable id (a number or 1-128 printable characters)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not 1 <= len(value) <= 128 or not value.isprintable():
        return None
    return value


def channel_key(channel: str, value: Any) -> str | None:
    """The idempotency key ``<channel>:<id>``, or None when ``value`` is not a usable id.

    The channel prefix keeps ids of different origins apart (a client's ``"42"`` and a
    Telegram ``update_id`` 42) and says in the tracker where each id came from.
    """
    part = clean_key(value)
    return f"{channel}:{part}"[:MAX_KEY_CHARS] if part is not None else None


def rest_key(body: Any, headers: Any) -> str | None:
    """REST: the client's ``message_id`` if it sends one, else nginx's request id."""
    if isinstance(body, dict) and body.get("message_id") is not None:
        key = channel_key("rest", body.get("message_id"))
        if key is not None:
            return key
    return channel_key("request", headers.get(REQUEST_ID_HEADER) if headers else None)


# -- keys for the connectors whose UserMessage Rasa builds ------------------------------


@dataclass
class _RequestKey:
    key: str
    used: int = 0

    def next(self) -> str:
        # One request can carry several messages (Telegram's /restart is followed by
        # /start): the first gets the key, the next ones "<key>#2", "#3"... , the same
        # numbers on every delivery of that request.
        self.used += 1
        return self.key if self.used == 1 else f"{self.key}#{self.used}"[:MAX_KEY_CHARS]


_request_key: contextvars.ContextVar[_RequestKey | None] = contextvars.ContextVar(
    "bot_message_key", default=None
)


def set_request_key(key: str | None) -> None:
    """The key of the request being handled (call it for every request, even with None:
    Sanic handles one connection's requests in one task, so a value would carry over)."""
    _request_key.set(_RequestKey(key) if key else None)


def keyed(on_new_message: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
    """Wrap Rasa's message handler: a message gets the current request's key as its id."""

    async def handler(message: Any) -> Any:
        current = _request_key.get()
        if current is not None:
            message.message_id = current.next()
        return await on_new_message(message)

    return handler


# -- the check, inside Rasa's processor -------------------------------------------------


class AlreadyProcessed(Exception):
    """Raised inside the processor when a message's id is already in its conversation."""

    def __init__(self, replies: list[dict[str, Any]]) -> None:
        super().__init__("message already processed")
        self.replies = replies


def earlier_replies(events: Iterable[Any], message_id: str | None) -> list[dict[str, Any]] | None:
    """The bot messages that answered the user message ``message_id``; None if it is new.

    The answer is every ``BotUttered`` after that ``UserUttered`` up to the next one, as
    Rasa sent them (``BotUttered.message()``: text, buttons, custom data).
    """
    from rasa.shared.core.events import BotUttered, UserUttered

    if not message_id:
        return None
    events = list(events)
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, UserUttered) and event.message_id == message_id:
            replies = []
            for later in events[index + 1 :]:
                if isinstance(later, UserUttered):
                    break
                if isinstance(later, BotUttered):
                    replies.append(later.message())
            return replies
    return None


async def replay(output_channel: Any, recipient_id: str, replies: list[dict[str, Any]]) -> None:
    """Give a repeat the first answer, where the answer is this request's response."""
    from rasa.core.channels.channel import CollectingOutputChannel

    if not isinstance(output_channel, CollectingOutputChannel):
        return  # push channels: the first processing already sent these to the patient
    for reply in replies:
        await output_channel.send_response(recipient_id, dict(reply))


_applied = False


def apply() -> None:
    """Install the check in Rasa's ``MessageProcessor`` (once per process)."""
    global _applied
    if _applied:
        return
    from rasa.core.processor import MessageProcessor

    log_with_tracker = MessageProcessor._handle_message_with_tracker
    handle_message = MessageProcessor.handle_message

    async def _handle_message_with_tracker(self: Any, message: Any, tracker: Any) -> None:
        # Runs under the conversation's lock, on the tracker just loaded from the store,
        # before NLU: a repeat stops here, before anything is parsed, run or saved.
        replies = earlier_replies(tracker.events, message.message_id)
        if replies is not None:
            raise AlreadyProcessed(replies)
        await log_with_tracker(self, message, tracker)

    async def _handle_message(self: Any, message: Any) -> Any:
        from rasa.core.channels.channel import CollectingOutputChannel

        try:
            return await handle_message(self, message)
        except AlreadyProcessed as repeat:
            # The id only (never the sender or the text: they can identify a patient).
            logger.info(
                "message %s already processed: not processed again (%d replies)",
                message.message_id,
                len(repeat.replies),
            )
            await replay(message.output_channel, message.sender_id, repeat.replies)
            if isinstance(message.output_channel, CollectingOutputChannel):
                return message.output_channel.messages
            return None

    MessageProcessor._handle_message_with_tracker = _handle_message_with_tracker  # type: ignore[method-assign]
    MessageProcessor.handle_message = _handle_message  # type: ignore[method-assign]
    _applied = True
