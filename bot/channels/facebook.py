"""Facebook Messenger: Rasa's connector and its signature check, with our formatting.

Rasa's connector already checks Meta's ``X-Hub-Signature`` (HMAC of the body keyed with
the app secret) but answers a forged request with ``200 not validated``. This subclass
checks ``X-Hub-Signature-256`` when Meta sends it (else the SHA-1 header, with Rasa's own
function), answers 403 to a forged request, and formats answers for Messenger: plain text
(Messenger shows no Markdown), split below 2000 characters; buttons become quick replies,
or, when a title is longer than Messenger's 20 characters, a numbered list with quick
replies "1", "2", ... (a typed "2" works too).

Each message's idempotency key is Messenger's ``mid`` (``bot/rasa/idempotency.py``): Meta
re-delivers a webhook it got no answer for, and the repeat is not processed again.

The route handler is Rasa's, restated because Rasa builds its ``Messenger`` (and output
channel) inside it; ``api_base_url`` points the Graph API calls elsewhere (the tests' fake).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fbmessenger import MessengerClient
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput as RasaFacebookInput
from rasa.core.channels.facebook import Messenger as RasaMessenger
from rasa.core.channels.facebook import MessengerBot as RasaMessengerBot
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import OptionMemory, api_base_url, refuse, resolving_numbers
from bot.channels.format import MESSENGER_LIMIT, button_title, format_message
from bot.rasa import idempotency

logger = logging.getLogger(__name__)

MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20


def messenger_client(page_access_token: str, base_url: str | None) -> MessengerClient:
    client = MessengerClient(page_access_token)
    if base_url:
        client.graph_url = f"{base_url}/v{client.api_version}"
    return client


class MessengerBot(RasaMessengerBot):
    def __init__(self, client: MessengerClient, options: OptionMemory | None = None) -> None:
        super().__init__(client)
        self.options = options or OptionMemory()

    async def _post(self, recipient_id: str, message: dict[str, Any]) -> None:
        # fbmessenger is synchronous (requests): keep the event loop free meanwhile.
        await asyncio.to_thread(self.messenger_client.send, message, recipient_id, "RESPONSE")

    async def send_action(self, recipient_id: str, sender_action: str) -> None:
        await asyncio.to_thread(self.messenger_client.send_action, sender_action, recipient_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in format_message(text, "plain", MESSENGER_LIMIT):
            await self._post(recipient_id, {"text": part})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        titles = [button_title(b) for b in buttons]
        fits = len(buttons) <= MAX_QUICK_REPLIES and all(
            0 < len(t) <= MAX_QUICK_REPLY_TITLE for t in titles
        )
        if fits:
            parts = format_message(text or "", "plain", MESSENGER_LIMIT) or [" "]
            labels = titles
        else:
            self.options.remember(recipient_id, buttons)
            parts = format_message(text or "", "plain", MESSENGER_LIMIT, buttons=buttons)
            labels = [str(i) for i in range(1, len(buttons) + 1)]
        quick_replies = [
            {"content_type": "text", "title": label, "payload": str(b.get("payload") or label)}
            for label, b in zip(labels, buttons, strict=True)
        ][:MAX_QUICK_REPLIES]
        for part in parts[:-1]:
            await self._post(recipient_id, {"text": part})
        await self._post(recipient_id, {"text": parts[-1], "quick_replies": quick_replies})

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)


class Messenger(RasaMessenger):
    def __init__(
        self,
        page_access_token: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        *,
        base_url: str | None,
        options: OptionMemory,
    ) -> None:
        super().__init__(page_access_token, on_new_message)
        self.client = messenger_client(page_access_token, base_url)
        self.options = options

    async def _handle_user_message(
        self, text: str, sender_id: str, metadata: dict[str, Any] | None
    ) -> None:
        out_channel = MessengerBot(self.client, self.options)
        await out_channel.send_action(sender_id, sender_action="mark_seen")
        await out_channel.send_action(sender_id, sender_action="typing_on")
        message = UserMessage(
            text,
            out_channel,
            sender_id,
            input_channel=self.name(),
            metadata=metadata,
            message_id=idempotency.channel_key("facebook", message_mid(self.last_message)),
        )
        try:
            await self.on_new_message(message)
        except Exception:
            logger.exception("Exception when handling a Facebook message")
        finally:
            await out_channel.send_action(sender_id, sender_action="typing_off")


def message_mid(event: Any) -> str | None:
    """The ``mid`` of a messaging event (a message, quick reply or postback), if any."""
    if not isinstance(event, dict):
        return None
    for kind in ("message", "postback"):
        part = event.get(kind)
        if isinstance(part, dict) and part.get("mid"):
            return str(part["mid"])
    return None


def is_signed_by_meta(app_secret: str, body: bytes, headers: Any) -> bool:
    """Check X-Hub-Signature-256 when present, else Rasa's X-Hub-Signature (SHA-1) check."""
    signature_256 = headers.get("X-Hub-Signature-256") or ""
    if signature_256:
        expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature_256, f"sha256={expected}")
    signature = headers.get("X-Hub-Signature") or ""
    return bool(signature) and RasaFacebookInput.validate_hub_signature(app_secret, body, signature)


class FacebookInput(RasaFacebookInput):
    """Rasa's Facebook Messenger input channel (same name and URLs), see module doc."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> FacebookInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        channel = cls(
            credentials.get("verify"),
            credentials.get("secret"),
            credentials.get("page-access-token"),
        )
        channel.base_url = api_base_url(credentials)
        return channel

    def __init__(
        self, fb_verify: str | None, fb_secret: str | None, fb_access_token: str | None
    ) -> None:
        if not fb_verify or not fb_secret or not fb_access_token:
            raise ValueError("the facebook channel needs verify, secret and page-access-token")
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.base_url: str | None = None
        self.options = OptionMemory()

    def get_output_channel(self) -> MessengerBot:
        return MessengerBot(messenger_client(self.fb_access_token, self.base_url), self.options)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handler = resolving_numbers(self.options, on_new_message)
        fb_webhook = Blueprint("fb_webhook", __name__)

        @fb_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @fb_webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token") or ""
            if hmac.compare_digest(token.encode(), self.fb_verify.encode()):
                return response.text(request.args.get("hub.challenge") or "")
            return refuse("facebook", "wrong hub.verify_token")

        @fb_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not is_signed_by_meta(self.fb_secret, request.body, request.headers):
                return refuse("facebook", "wrong or missing X-Hub-Signature(-256)")
            messenger = Messenger(
                self.fb_access_token, handler, base_url=self.base_url, options=self.options
            )
            await messenger.handle(request.json, self.get_metadata(request))
            return response.text("success")

        return fb_webhook
