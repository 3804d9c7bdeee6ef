"""SMS and WhatsApp through Twilio: Rasa's connector, plus Twilio's request signature.

Rasa 3.6's Twilio connector accepts any POST to its webhook. Twilio signs every webhook
request: ``X-Twilio-Signature`` is an HMAC-SHA1, keyed with the account's auth token, of
the full URL Twilio called followed by the sorted POST parameters. These subclasses check
it with the ``twilio`` package's ``RequestValidator`` against the public webhook URL
(``BOT_PUBLIC_URL`` + the webhook path: behind a proxy the server cannot guess it) and
refuse (403) a request that does not match, before anything is processed.

Two channels share the code: ``twilio`` (SMS, ``/webhooks/twilio/webhook``) and
``whatsapp`` (``/webhooks/whatsapp/webhook``, sending from ``whatsapp:<number>``), so each
can use its own number and be switched on alone. Neither has buttons: answers are sent as
plain text (SMS) or WhatsApp formatting (``*bold*``), split below Twilio's 1600
characters, buttons become numbered options, and a reply "2" means option 2.
Each message's idempotency key is Twilio's ``MessageSid`` (``bot/rasa/idempotency.py``):
Twilio may call the webhook again for one message, which is then not processed again.

The webhook handler is Rasa's, restated in :meth:`TwilioInput.blueprint` with the check
first (Rasa's blueprint has one fixed name, which Sanic allows only once per app).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.twilio import TwilioInput as RasaTwilioInput
from rasa.core.channels.twilio import TwilioOutput as RasaTwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.common import OptionMemory, api_base_url, refuse, resolving_numbers
from bot.channels.format import SMS_LIMIT, format_message
from bot.rasa import idempotency

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"


class _FormParams(dict):
    """POST parameters as lists, blank values kept (Twilio signs those too; Sanic drops
    them from ``request.form``), with the ``getlist`` RequestValidator looks for."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def _form_params(request: Request) -> _FormParams:
    try:
        return _FormParams(parse_qs(request.body.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        return _FormParams()


class _RebasedHttpClient(TwilioHttpClient):
    """Sends Twilio API calls to another base URL (a local mock API in the tests)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        url = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().request(method, url, *args, **kwargs)


class TwilioOutput(RasaTwilioOutput):
    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        twilio_number: str | None,
        *,
        style: str = "plain",
        options: OptionMemory | None = None,
        base_url: str | None = None,
    ) -> None:
        http_client = _RebasedHttpClient(base_url) if base_url else None
        Client.__init__(self, account_sid, auth_token, http_client=http_client)
        self.twilio_number = twilio_number
        self.send_retry, self.max_retry = 0, 5  # used by Rasa's image and custom sends
        self.style = style
        self.options = options or OptionMemory()

    async def _send_parts(self, recipient_id: str, parts: list[str]) -> None:
        for part in parts:
            try:
                # The Twilio client is synchronous: keep the event loop free meanwhile.
                await asyncio.to_thread(
                    self.messages.create, to=recipient_id, from_=self.twilio_number, body=part
                )
            except TwilioException as error:
                logger.error("Twilio could not send a message: %s", error)
                return

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_parts(recipient_id, format_message(text, self.style, SMS_LIMIT))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self.options.remember(recipient_id, buttons)
        parts = format_message(text or "", self.style, SMS_LIMIT, buttons=buttons)
        await self._send_parts(recipient_id, parts)


class TwilioInput(RasaTwilioInput):
    """SMS through Twilio (channel ``twilio``), with Twilio's signature check."""

    style: ClassVar[str] = "plain"
    twilio_number: str | None  # set by Rasa's TwilioInput.__init__

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TwilioInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            webhook_url=str(credentials.get("webhook_url") or ""),
            base_url=api_base_url(credentials),
        )

    def __init__(
        self,
        account_sid: str | None,
        auth_token: str | None,
        twilio_number: str | None,
        webhook_url: str = "",
        base_url: str | None = None,
        debug_mode: bool = False,
    ) -> None:
        if not auth_token or not webhook_url:
            raise ValueError(f"the {self.name()} channel needs auth_token and webhook_url")
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=debug_mode)
        self.webhook_url = webhook_url
        self.base_url = base_url
        self.options = OptionMemory()
        self.validator = RequestValidator(auth_token)

    def is_signed_by_twilio(self, request: Request) -> bool:
        url = self.webhook_url + (f"?{request.query_string}" if request.query_string else "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        return bool(signature) and self.validator.validate(url, _form_params(request), signature)

    def get_output_channel(self) -> TwilioOutput:
        return TwilioOutput(
            self.account_sid,
            self.auth_token,
            self.twilio_number,
            style=self.style,
            options=self.options,
            base_url=self.base_url,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Rasa's handler, restated: its blueprint name (hence its route names, which Sanic
        # uses to scope middleware) would be the same for SMS and WhatsApp.
        handler = resolving_numbers(self.options, on_new_message)
        blueprint = Blueprint(f"{self.name()}_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self.is_signed_by_twilio(request):
                return refuse(self.name(), f"wrong or missing {SIGNATURE_HEADER}")
            params = _form_params(request)
            sender = (params.get("From") or [None])[0]
            text = (params.get("Body") or [None])[0]
            latitude, longitude = params.get("Latitude"), params.get("Longitude")
            if latitude and longitude:
                text = f"/locationData{{'Latitude': {latitude[0]},'Longitude': {longitude[0]}}}"
            if sender and text is not None:
                message = UserMessage(
                    text.replace("¡", "@"),  # @ signs get corrupted in SMSes by some carriers
                    self.get_output_channel(),
                    sender,
                    input_channel=self.name(),
                    metadata=self.get_metadata(request),
                    message_id=idempotency.channel_key(
                        self.name(), (params.get("MessageSid") or [None])[0]
                    ),
                )
                try:
                    await handler(message)
                except Exception:
                    logger.exception("Exception when handling a %s message", self.name())
            # Empty TwiML: we reply through the API, not in the webhook's response.
            return response.text("<Response/>", content_type="text/xml")

        return blueprint


class WhatsAppInput(TwilioInput):
    """WhatsApp through Twilio (channel ``whatsapp``), with Twilio's signature check."""

    style: ClassVar[str] = "whatsapp"

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    def __init__(self, account_sid: str | None, auth_token: str | None, *args: Any, **kw: Any):
        super().__init__(account_sid, auth_token, *args, **kw)
        if self.twilio_number and not self.twilio_number.startswith("whatsapp:"):
            self.twilio_number = f"whatsapp:{self.twilio_number}"
