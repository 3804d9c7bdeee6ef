"""A Rasa server with every messaging channel on, talking to a local fake of each platform.

The stack is started once for all channel tests, as `make run` starts it, with each
channel's environment variables set (test values) and each connector's API base URL
pointing at :mod:`tests.channels.fake_platforms`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.settings import Settings
from tests.channels.fake_platforms import FakePlatforms, start_fake_platforms
from tests.conftest import isolated_settings

TELEGRAM_TOKEN = "123456:TEST-telegram-bot-token"
TELEGRAM_SECRET = "test-telegram-secret_token-0123456789"
TWILIO_SID = "AC" + "1" * 32
TWILIO_AUTH_TOKEN = "test-twilio-auth-token"
TWILIO_SMS_NUMBER = "+15005550006"
TWILIO_WHATSAPP_NUMBER = "+14155238886"
FACEBOOK_APP_SECRET = "test-facebook-app-secret"
FACEBOOK_VERIFY_TOKEN = "test-facebook-verify-token"
FACEBOOK_PAGE_TOKEN = "test-facebook-page-access-token"
SLACK_BOT_TOKEN = "xoxb-test-slack-bot-token"
SLACK_SIGNING_SECRET = "test-slack-signing-secret"
# Rasa's API token as the channels read it (RASA_AUTH_TOKEN). The test stack's own Rasa API
# stays open (the token reaches `rasa run` only through the settings, not this variable).
RASA_API_TOKEN = "test-rasa-api-token-0123456789abcdef"


@dataclass
class Reply:
    status: int
    body: bytes


def post(url: str, body: bytes | None, headers: dict[str, str], method: str = "POST") -> Reply:
    """POST like a platform would; an HTTP error status is returned, not raised."""
    request = urllib.request.Request(url, body, headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Reply(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read())


def post_json(url: str, payload: object, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(payload).encode()
    return post(url, body, {"Content-Type": "application/json", **(headers or {})})


@pytest.fixture(scope="session")
def fake_platforms() -> Iterator[FakePlatforms]:
    fake = start_fake_platforms()
    yield fake
    fake.close()


def channel_env(rasa_url: str, fake_url: str) -> dict[str, str]:
    return {
        "BOT_PUBLIC_URL": rasa_url,
        "RASA_AUTH_TOKEN": RASA_API_TOKEN,
        "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_BOT_USERNAME": "clinic_test_bot",
        "TELEGRAM_API_BASE_URL": f"{fake_url}/telegram",
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_SMS_NUMBER": TWILIO_SMS_NUMBER,
        "TWILIO_WHATSAPP_NUMBER": TWILIO_WHATSAPP_NUMBER,
        "TWILIO_API_BASE_URL": f"{fake_url}/twilio",
        "FACEBOOK_VERIFY_TOKEN": FACEBOOK_VERIFY_TOKEN,
        "FACEBOOK_APP_SECRET": FACEBOOK_APP_SECRET,
        "FACEBOOK_PAGE_ACCESS_TOKEN": FACEBOOK_PAGE_TOKEN,
        "FACEBOOK_API_BASE_URL": f"{fake_url}/facebook",
        "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_BASE_URL": f"{fake_url}/slack/api",
    }


@pytest.fixture(scope="session")
def channel_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return isolated_settings(tmp_path_factory, "channels-var")


@pytest.fixture(scope="session")
def channel_stack(channel_settings: Settings, trained_model: Path, fake_platforms: FakePlatforms):
    """The action server and a Rasa server with all messaging channels on."""
    from bot.ops.runner import Stack

    rasa_url = f"http://127.0.0.1:{channel_settings.rasa_port}"
    stack = Stack(
        settings=channel_settings,
        model=trained_model,
        extra_env=channel_env(rasa_url, fake_platforms.url),
        web=False,
    )
    with stack as running:
        yield running
