"""A local stand-in for the messaging platforms' APIs: it records what the bot sends.

One HTTP server on 127.0.0.1 answers as Telegram's Bot API (``/telegram``), Twilio's
REST API (``/twilio``), Facebook's Graph API (``/facebook``) and Slack's Web API
(``/slack/api``), with the smallest valid responses the platform SDKs accept. Each
connector's ``api_base_url`` points here, so the tests see exactly the requests that would
go to the platform, and nothing reaches the internet.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    platform: str
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def api_method(self) -> str:
        """The last path segment: sendMessage, Messages.json, messages, chat.postMessage."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    def fields(self) -> dict[str, Any]:
        """The request's parameters, whatever their encoding (JSON, form, multipart)."""
        content_type = self.headers.get("content-type", "")
        if "json" in content_type:
            return json.loads(self.body or b"{}")
        if "multipart/form-data" in content_type:
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                f"Content-Type: {content_type}\r\n\r\n".encode() + self.body
            )
            return {
                part.get_param("name", header="content-disposition"): part.get_content()
                for part in message.iter_parts()
            }
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class FakePlatforms:
    """The running fake API server and what it received."""

    server: ThreadingHTTPServer
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def record(self, item: Recorded) -> None:
        with self.lock:
            self.requests.append(item)

    def received(
        self, platform: str, match: Callable[[Recorded], bool] | None = None
    ) -> list[Recorded]:
        with self.lock:
            items = [r for r in self.requests if r.platform == platform]
        return [r for r in items if match is None or match(r)]

    def wait_for(
        self,
        platform: str,
        match: Callable[[Recorded], bool],
        count: int = 1,
        timeout: float = 30.0,
    ) -> list[Recorded]:
        """Wait until ``count`` matching requests arrived (Slack answers asynchronously)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.received(platform, match)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _response(platform: str, path: str, fields: dict[str, Any]) -> tuple[int, Any]:
    if platform == "telegram":
        method = path.rsplit("/", 1)[-1]
        if method == "getMe":
            result: Any = {
                "id": 123456,
                "is_bot": True,
                "first_name": "Clinic",
                "username": "clinic_test_bot",
            }
        elif method == "sendMessage":
            result = {
                "message_id": int(time.time() * 1000) % 1_000_000,
                "date": int(time.time()),
                "chat": {"id": int(fields.get("chat_id", 0)), "type": "private"},
                "text": fields.get("text", ""),
            }
        else:  # setWebhook, answerCallbackQuery, sendChatAction ...
            result = True
        return 200, {"ok": True, "result": result}
    if platform == "twilio":
        return 201, {
            "sid": "SM" + "0" * 32,
            "account_sid": path.split("/Accounts/")[-1].split("/")[0],
            "to": fields.get("To"),
            "from": fields.get("From"),
            "body": fields.get("Body"),
            "status": "queued",
        }
    if platform == "facebook":
        return 200, {"recipient_id": "1", "message_id": "m_test"}
    if platform == "slack":
        return 200, {"ok": True, "channel": fields.get("channel", "D1"), "ts": f"{time.time():.6f}"}
    return 404, {"error": "unknown platform"}


def start_fake_platforms() -> FakePlatforms:
    holder: dict[str, FakePlatforms] = {}

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            parts = urlsplit(self.path)
            platform = parts.path.strip("/").split("/", 1)[0]
            length = int(self.headers.get("Content-Length") or 0)
            item = Recorded(
                platform=platform,
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            holder["fake"].record(item)
            status, payload = _response(platform, parts.path, item.fields())
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake = FakePlatforms(server)
    holder["fake"] = fake
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake
