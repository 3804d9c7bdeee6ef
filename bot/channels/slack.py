"""Slack: Rasa's connector (it checks Slack's signing secret), with our formatting.

Rasa verifies ``X-Slack-Signature`` (HMAC-SHA256 of ``v0:<timestamp>:<body>`` keyed with
the app's signing secret, timestamps older than 5 minutes refused) and answers a forged
request with 400. This subclass changes what is sent: Slack ``mrkdwn`` (``*bold*``,
``<url|text>``) instead of raw Markdown, split below Slack's 3000 characters per section,
phone numbers as ``<tel:...|...>`` links (tap to call), and buttons in an actions block
(up to 25; Rasa drops every button past 5).
It also answers Slack's ``url_verification`` with ``{"challenge": ...}`` as Slack asks
(Rasa sends the bare JSON string). Each message's idempotency key is the event's
``event_id`` (a button click's ``trigger_id``; ``bot/rasa/idempotency.py``): Slack re-delivers
an event (``X-Slack-Retry-Num``) it got no quick answer for, and the repeat is not
processed again. ``api_base_url`` points the Web API calls elsewhere
(the tests' fake API).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.slack import SlackBot as RasaSlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from sanic import Blueprint, response
from sanic.request import Request
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.common import api_base_url
from bot.channels.format import (
    SLACK_SECTION_LIMIT,
    button_title,
    format_message,
    link_phone_numbers,
    numbered_options,
    render,
)
from bot.rasa import idempotency
from bot.settings import load_settings

MAX_BUTTONS = 25  # elements in one actions block
MAX_BUTTON_TEXT = 75


def with_phone_links(text: str) -> str:
    """``text`` with its phone numbers (999 too) as ``tel:`` links, which Slack can call."""
    settings = load_settings()
    return link_phone_numbers(text, settings.phone_region, (settings.emergency_number,))


class SlackBot(RasaSlackBot):
    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        base_url: str | None = None,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        if base_url:
            self.client = AsyncWebClient(token, proxy=proxy, base_url=base_url.rstrip("/") + "/")

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        recipient = self.slack_channel or recipient_id
        for part in format_message(with_phone_links(text), "slack", SLACK_SECTION_LIMIT):
            await self._post_message(channel=recipient, text=part, mrkdwn=True)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        recipient = self.slack_channel or recipient_id
        if len(buttons) > MAX_BUTTONS:
            await self.send_text_message(recipient, f"{text}\n\n{numbered_options(buttons)}")
            return
        parts = format_message(with_phone_links(text or ""), "slack", SLACK_SECTION_LIMIT) or [" "]
        for part in parts[:-1]:
            await self._post_message(channel=recipient, text=part, mrkdwn=True)
        elements = [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": button_title(b)[:MAX_BUTTON_TEXT]},
                "value": str(b.get("payload") or button_title(b)),
            }
            for b in buttons
        ]
        blocks = [
            {"type": "section", "text": {"type": "mrkdwn", "text": parts[-1]}},
            {"type": "actions", "elements": elements},
        ]
        # `text` is the notification / screen-reader fallback for the blocks.
        fallback = render(text or "", "plain")[:SLACK_SECTION_LIMIT] or " "
        await self._post_message(channel=recipient, text=fallback, blocks=blocks)


class SlackInput(RasaSlackInput):
    """Rasa's Slack input channel (same name, URLs and signature check)."""

    base_url: str | None = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SlackInput:
        channel = super().from_credentials(credentials)
        assert isinstance(channel, SlackInput)
        channel.base_url = api_base_url(credentials)
        return channel

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> SlackBot:
        return SlackBot(
            self.slack_token,
            channel or self.slack_channel,
            thread_id,
            self.proxy,
            base_url=self.base_url,
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(idempotency.keyed(on_new_message))

        @blueprint.middleware("request")
        async def message_key(request: Request) -> None:
            idempotency.set_request_key(slack_message_key(request))

        @blueprint.middleware("request")
        async def url_verification(request: Request) -> Any:
            if (
                request.method != "POST"
                or request.headers.get("content-type") != "application/json"
            ):
                return None
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                return None
            if not isinstance(body, dict) or body.get("type") != "url_verification":
                return None
            if not self.is_request_from_slack_authentic(request):
                return None  # Rasa's handler refuses it
            return response.json({"challenge": body.get("challenge")})

        return blueprint


def slack_message_key(request: Request) -> str | None:
    """The idempotency key of a Slack request: ``event_id`` (Events API), else the
    ``trigger_id`` of an interactive payload (a button click); the same on a retry."""
    if request.method != "POST":
        return None
    content_type = request.headers.get("content-type", "")
    try:
        if content_type == "application/json":
            body = json.loads(request.body or b"{}")
            return idempotency.channel_key("slack", body.get("event_id"))
        if content_type == "application/x-www-form-urlencoded":
            payload = json.loads(request.form.get("payload") or "{}")
            return idempotency.channel_key("slack", payload.get("trigger_id"))
    except (ValueError, AttributeError):
        return None
    return None
