"""Twilio webhook requests as Twilio sends them: form-encoded, signed with the auth token."""

from __future__ import annotations

import itertools
import time
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from tests.channels.conftest import TWILIO_AUTH_TOKEN, TWILIO_SID, Reply, post
from tests.channels.fake_platforms import FakePlatforms, Recorded

_ids = itertools.count(int(time.time() * 1000) % 10**9)


def new_phone() -> str:
    return f"+4477009{next(_ids) % 100000:05d}"


def inbound(sender: str, to: str, body: str, **extra: str) -> dict[str, str]:
    """The parameters of an incoming message webhook (SMS or WhatsApp)."""
    sid = f"SM{next(_ids):032d}"
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "GB",
        "To": to,
        "ToZip": "",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": TWILIO_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def signature(url: str, params: dict[str, str], token: str = TWILIO_AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def send(url: str, params: dict[str, str], sig: str | None = None) -> Reply:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    sig = signature(url, params) if sig is None else sig
    if sig:
        headers["X-Twilio-Signature"] = sig
    return post(url, urlencode(params).encode(), headers)


def sent_to(fake: FakePlatforms, recipient: str) -> list[Recorded]:
    return fake.received(
        "twilio",
        lambda r: r.api_method == "Messages.json" and r.fields().get("To") == recipient,
    )
