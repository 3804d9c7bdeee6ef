"""What the messaging-app connectors share: numbered options and request verification.

* :class:`OptionMemory`: on a channel without buttons the bot sends its buttons as a
  numbered list; when the patient's next message is just one of those numbers, it becomes
  that button's payload (``"2"`` -> ``/faq_injection_areas``). Options are only valid for
  the very next message, and kept in memory (the Rasa server is one process).
* :func:`refuse`: the response a connector gives to a request whose signature or secret
  token does not check out (nothing is processed, nothing is sent).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sanic import response
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

_NUMBER_RE = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s*$")


class OptionMemory:
    """The payloads of the numbered options last sent to each sender."""

    def __init__(self, max_senders: int = 10_000, ttl_seconds: float = 24 * 3600) -> None:
        self._options: OrderedDict[str, tuple[float, list[str]]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_senders = max_senders
        self.ttl_seconds = ttl_seconds

    def remember(self, sender_id: str, buttons: Sequence[Mapping[str, Any]]) -> None:
        payloads = [str(b.get("payload") or b.get("title") or "") for b in buttons]
        with self._lock:
            self._options[str(sender_id)] = (time.monotonic(), payloads)
            self._options.move_to_end(str(sender_id))
            while len(self._options) > self.max_senders:
                self._options.popitem(last=False)

    def take(self, sender_id: str, text: str | None) -> str | None:
        """The payload for a numbered reply, else ``text``; forgets the options either way."""
        with self._lock:
            stored = self._options.pop(str(sender_id), None)
        if text is None or stored is None:
            return text
        saved_at, payloads = stored
        match = _NUMBER_RE.match(text)
        if not match or time.monotonic() - saved_at > self.ttl_seconds:
            return text
        index = int(match.group(1)) - 1
        return payloads[index] if 0 <= index < len(payloads) else text


def resolving_numbers(
    memory: OptionMemory, on_new_message: Callable[[Any], Awaitable[Any]]
) -> Callable[[Any], Awaitable[Any]]:
    """Wrap Rasa's message handler so that "2" after a numbered list means option 2."""

    async def handler(message: Any) -> Any:
        message.text = memory.take(message.sender_id, message.text)
        return await on_new_message(message)

    return handler


def refuse(channel: str, reason: str) -> HTTPResponse:
    """403 for a request that failed the platform's signature or token check."""
    logger.warning("%s webhook: request refused (%s)", channel, reason)
    return response.text("forbidden", status=403)


def api_base_url(credentials: Mapping[str, Any] | None) -> str | None:
    """The optional ``api_base_url`` of a channel (a local mock API in the tests)."""
    value = (credentials or {}).get("api_base_url")
    return str(value).rstrip("/") if value else None
