"""Input guards shared by the REST and socket.io channels: hostile input never reaches Rasa.

What a channel accepts from the outside world before it becomes a ``UserMessage``:

- **text**: any string; C0 control characters (NUL included) become spaces, lone UTF-16
  surrogates become U+FFFD, and it is cut at ``MAX_MESSAGE_CHARS`` (no patient question
  is longer; it also bounds the work a 100 KB message costs the NLU pipeline). A cut is
  never silent: :func:`tell_if_cut` sends ``CUT_NOTICE`` before the answer (the widget
  itself stops at 1,000 characters and says so, so its messages are never cut);
- **sender id**: a string of 1 to ``MAX_SENDER_CHARS`` printable characters, else the
  request is refused (400). PostgreSQL rejects NUL characters and the tracker store's
  ``sender_id`` column holds 255 characters: a sender that breaks either would make the
  tracker store fail for that request;
- **metadata**: an object (or nothing).
"""

from __future__ import annotations

import re
from typing import Any, Protocol

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

CUT_NOTICE = (
    f"Your message was very long, so I have only read its first {MAX_MESSAGE_CHARS:,} "
    "characters. If I missed your question, please ask it in a shorter message."
)


class _Output(Protocol):
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None: ...


def clean_text(value: Any) -> str | None:
    """The message text made safe (see the module docstring); None if it is not a string."""
    if not isinstance(value, str):
        return None
    text = _SURROGATE.sub("\ufffd", value)
    text = _CONTROL.sub(" ", text)
    return text[:MAX_MESSAGE_CHARS]


def valid_sender(value: Any) -> str | None:
    """``value`` if it is an acceptable sender (conversation) id, else None."""
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_SENDER_CHARS:
        return None
    return value if value.isprintable() else None


def was_cut(value: Any) -> bool:
    """True if :func:`clean_text` cuts ``value``."""
    return isinstance(value, str) and len(value) > MAX_MESSAGE_CHARS


async def tell_if_cut(value: Any, output: _Output, recipient_id: str) -> None:
    """Send ``CUT_NOTICE`` through ``output`` if the message ``value`` is cut."""
    if was_cut(value):
        await output.send_text_message(recipient_id, CUT_NOTICE)
