"""Input guards shared by the REST and socket.io channels: hostile input never reaches Rasa.

What a channel accepts from the outside world before it becomes a ``UserMessage``:

- **text**: any string; C0 control characters (NUL included) become spaces, lone UTF-16
  surrogates become U+FFFD, and it is cut at ``MAX_MESSAGE_CHARS`` (no patient question
  is longer; it also bounds the work a 100 KB message costs the NLU pipeline);
- **sender id**: a string of 1 to ``MAX_SENDER_CHARS`` printable characters, else the
  request is refused (400). PostgreSQL rejects NUL characters and the tracker store's
  ``sender_id`` column holds 255 characters: a sender that breaks either would make the
  tracker store fail for that request;
- **metadata**: an object (or nothing).
"""

from __future__ import annotations

import re
from typing import Any

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


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
