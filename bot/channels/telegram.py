"""Telegram: Rasa's connector, plus the secret-token check and our formatting.

Rasa 3.6's Telegram connector accepts any POST to its webhook (its only check asks
Telegram for the bot's own username, which says nothing about who sent the request), and
it registers the webhook with a blocking ``asyncio.run`` while building the app, which
leaves the bot's HTTP session on a closed event loop. This subclass:

* registers the webhook once the server runs, with a ``secret_token``; Telegram then sends
  it in ``X-Telegram-Bot-Api-Secret-Token`` with every update, and a request without the
  right token is refused (403) before anything is processed;
* sends answers as Telegram HTML (bold, italics, links), split below Telegram's 4096
  characters at paragraph boundaries, with buttons as an inline keyboard, one per row;
* answers ``/set_webhook`` (register the webhook again) only with Rasa's API token;
* accepts ``api_base_url`` (a local Bot API server, or the tests' fake API);
* gives each message the update's ``update_id`` as its idempotency key
  (``bot/rasa/idempotency.py``): Telegram re-delivers an update it got no answer for, and the
  repeat is not processed again.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels.common import api_base_url, refuse
from bot.channels.format import TELEGRAM_LIMIT, button_title, format_message
from bot.rasa import idempotency
from bot.settings import load_settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit for an inline button's callback_data


def may_set_webhook(request: Request, api_token: str | None) -> bool:
    """Whether a call to ``set_webhook`` carries Rasa's API token (``?token=`` as Rasa's own
    HTTP API takes it, or ``Authorization: Bearer``).

    Anyone could otherwise make the server re-register its webhook, over and over, with the
    bot's Telegram token. With no API token configured (the embedded profile) the route is
    closed: the webhook is registered at every start, which is all most clinics need.
    """
    if not api_token:
        return False
    given = request.args.get("token") or ""
    bearer = request.headers.get("Authorization", "")
    if bearer.lower().startswith("bearer "):
        given = given or bearer[7:].strip()
    return hmac.compare_digest(given.encode(), api_token.encode())


class TelegramOutput(RasaTelegramOutput):
    def __init__(self, access_token: str | None, base_url: str | None = None) -> None:
        server = TelegramAPIServer.from_base(base_url) if base_url else TELEGRAM_PRODUCTION
        Bot.__init__(self, access_token, server=server)

    async def _send_parts(self, recipient_id: str, parts: list[str], markup: Any = None) -> None:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            await self.send_message(
                recipient_id,
                part,
                parse_mode="HTML",
                disable_web_page_preview=True,
                reply_markup=markup if last else None,
            )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_parts(recipient_id, format_message(text, "telegram", TELEGRAM_LIMIT))

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: list[dict[str, Any]],
        button_type: str | None = "vertical",
        **kwargs: Any,
    ) -> None:
        markup = InlineKeyboardMarkup()
        for button in buttons:
            data = str(button.get("payload") or button_title(button))
            if len(data.encode()) > MAX_CALLBACK_DATA:  # too long for Telegram: send the title
                data = button_title(button)[:MAX_CALLBACK_DATA]
            markup.row(InlineKeyboardButton(button_title(button), callback_data=data))
        parts = format_message(text or "", "telegram", TELEGRAM_LIMIT) or ["\u2063"]
        await self._send_parts(recipient_id, parts, markup)

    async def register_webhook(self, url: str, secret_token: str) -> bool:
        """setWebhook with a secret token (aiogram 2.15's helper predates that field)."""
        return bool(
            await self.request(
                "setWebhook",
                {
                    "url": url,
                    "secret_token": secret_token,
                    "allowed_updates": '["message", "edited_message", "callback_query"]',
                },
            )
        )


class TelegramInput(RasaTelegramInput):
    """Rasa's Telegram input channel (same name and URLs), with a secret-token check."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            secret_token=str(credentials.get("secret_token") or ""),
            base_url=api_base_url(credentials),
        )

    def __init__(
        self,
        access_token: str | None,
        verify: str | None,
        webhook_url: str | None,
        secret_token: str = "",
        base_url: str | None = None,
        debug_mode: bool = False,
    ) -> None:
        if not secret_token:
            raise ValueError("the Telegram channel needs a secret_token (TELEGRAM_SECRET_TOKEN)")
        super().__init__(access_token, verify, webhook_url, debug_mode=debug_mode)
        self.secret_token = secret_token
        self.base_url = base_url

    def get_output_channel(self) -> TelegramOutput:
        # Rasa's version also calls setWebhook here, synchronously; we do it at start-up.
        return TelegramOutput(self.access_token, self.base_url)

    async def register_webhook(self) -> bool:
        bot = self.get_output_channel()
        try:
            ok = await bot.register_webhook(str(self.webhook_url), self.secret_token)
        except Exception as error:
            logger.error("Telegram setWebhook failed: %s", error)
            ok = False
        finally:
            await bot.session.close()  # (aiogram 2 deprecates Bot.close for this)
        if ok:
            logger.info("Telegram webhook registered: %s", self.webhook_url)
        return ok

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(idempotency.keyed(on_new_message))

        @blueprint.middleware("request")
        async def check_secret_token(request: Request) -> Any:
            idempotency.set_request_key(None)
            path = request.path.rstrip("/")
            if path.endswith("/set_webhook"):  # Rasa's route would drop the secret token
                if not may_set_webhook(request, load_settings().rasa_auth_token):
                    return refuse("telegram", "set_webhook without the API token")
                ok = await self.register_webhook()
                return response.text("Webhook setup successful" if ok else "Invalid webhook")
            if request.method == "POST" and path.endswith("/webhook"):
                given = request.headers.get(SECRET_HEADER, "")
                if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
                    return refuse("telegram", f"wrong or missing {SECRET_HEADER}")
                try:
                    update = request.json
                except Exception:  # Rasa's handler deals with an unreadable body
                    update = None
                if isinstance(update, dict):
                    key = idempotency.channel_key("telegram", update.get("update_id"))
                    idempotency.set_request_key(key)
            return None

        @blueprint.listener("after_server_start")
        async def set_webhook(app: Any, loop: Any) -> None:
            await self.register_webhook()

        return blueprint
