"""A tiny REST client for conversation tests."""

from __future__ import annotations

import json
import urllib.request
import uuid
from typing import Any


class Chat:
    """One conversation with the running Rasa server over the REST channel."""

    def __init__(self, rasa_url: str, sender: str | None = None) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.sender = sender or f"test-{uuid.uuid4().hex}"

    def send(self, text: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": self.sender, "message": text}).encode()
        request = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200
            return json.loads(response.read())

    def say(self, text: str) -> str:
        """Send a message; return all the bot's texts joined, for assertions."""
        return "\n".join(m.get("text", "") for m in self.send(text))
