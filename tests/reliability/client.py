"""Small HTTP helpers for the reliability tests (REST channel and the token-protected API)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from tests.reliability.conftest import AUTH_TOKEN


def new_sender(tag: str = "rel") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}"


def post(
    url: str, body: bytes, content_type: str = "application/json", timeout: float = 180
) -> tuple[int, bytes]:
    """POST ``body``; the status and body, whatever the status (no exception for 4xx/5xx)."""
    request = urllib.request.Request(url, body, {"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def send(base_url: str, sender: str, text: str) -> list[dict[str, Any]]:
    """One message over REST; the bot's messages (fails on any status but 200)."""
    status, body = post(
        f"{base_url}/webhooks/rest/webhook",
        json.dumps({"sender": sender, "message": text}).encode(),
    )
    assert status == 200, f"HTTP {status}: {body[:300]!r}"
    return json.loads(body)


def say(base_url: str, sender: str, text: str) -> str:
    return "\n".join(m.get("text", "") for m in send(base_url, sender, text))


def tracker(base_url: str, sender: str) -> dict[str, Any]:
    """The conversation's tracker through the HTTP API (with the token)."""
    url = f"{base_url}/conversations/{sender}/tracker?token={AUTH_TOKEN}"
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def user_texts(tracker_json: dict[str, Any]) -> list[str]:
    return [e.get("text") for e in tracker_json["events"] if e["event"] == "user"]
