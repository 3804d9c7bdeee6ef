"""The production replica for the tests, with a switch that makes it die mid-message.

``python -m tests.reliability.faulty_replica run ...`` is ``python -m bot.rasa_server run
...`` (what production runs: ``rasa run`` with ``bot/idempotency.py``) plus one test-only
switch. A message whose metadata holds ``{"test_fault": POINT}`` makes the replica that
processes it kill itself with SIGKILL (as if its machine died) at that point:

- ``before_save``: every action of the message has run (a call-back request is stored in
  the clinic database), the conversation is not saved yet;
- ``after_save``: the conversation is saved, the conversation's lock is still held;
- ``after_reply``: the lock is released, the answer is not yet sent to the client.

nginx then re-sends the request to the other replica. Each message triggers its fault
once (a marker file per message id under ``TEST_FAULT_DIR``): if the re-sent message were
processed again, it would not kill the second replica too, and the test would see the
double in the conversation rather than a 502. A repeat that ``bot/idempotency.py`` stops
is never processed, so it never reaches these points. Only the tests start this module.
"""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path
from typing import Any

FAULT_KEY = "test_fault"
POINTS = ("before_save", "after_save", "after_reply")


def _fault_of(message_id: str | None, metadata: Any) -> str | None:
    """The fault point of this message, the first time it reaches one; else None."""
    point = metadata.get(FAULT_KEY) if isinstance(metadata, dict) else None
    if point not in POINTS or not message_id:
        return None
    directory = Path(os.environ["TEST_FAULT_DIR"])
    marker = directory / hashlib.sha256(message_id.encode()).hexdigest()
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return None  # this message already killed a replica
    return point


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install() -> None:
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor

    save_tracker = MessageProcessor.save_tracker
    agent_handle_message = Agent.handle_message
    dying_after_reply: set[str] = set()

    async def _save_tracker(self: Any, tracker: Any) -> None:
        latest = tracker.latest_message
        point = _fault_of(getattr(latest, "message_id", None), getattr(latest, "metadata", None))
        if point == "before_save":
            _die()
        await save_tracker(self, tracker)
        if point == "after_save":
            _die()
        if point == "after_reply":
            dying_after_reply.add(latest.message_id)

    async def _agent_handle_message(self: Any, message: Any) -> Any:
        result = await agent_handle_message(self, message)  # the lock is released here
        if message.message_id in dying_after_reply:
            _die()
        return result

    MessageProcessor.save_tracker = _save_tracker  # type: ignore[method-assign]
    Agent.handle_message = _agent_handle_message  # type: ignore[method-assign]


def main() -> None:
    from bot import rasa_server

    install()
    rasa_server.main()


if __name__ == "__main__":
    main()
