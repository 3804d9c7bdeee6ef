"""Write the credentials file Rasa starts with: which channels are on, from the environment.

REST and the website's socket.io channel are always on (their settings come from the
project's ``credentials.yml``). Each messaging app is on only when all its environment
variables are set (README, "Channels"). Secrets are written as ``${VAR}`` references that
Rasa expands from its own environment when it reads the file, so no token or secret is
ever written to disk; the file itself goes to ``var/credentials.yml`` (git-ignored).

No Rasa import here: the runner calls this before starting Rasa.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.settings import Settings

logger = logging.getLogger(__name__)

SOCKETIO = "bot.channels.website.SocketIOInput"
REST = "bot.channels.rest.RestInput"  # Rasa's REST channel with input checks
PUBLIC_URL = "BOT_PUBLIC_URL"


@dataclass(frozen=True)
class ChannelSpec:
    """A messaging channel: its connector and where each credential comes from."""

    name: str  # Rasa's channel name: the webhook is /webhooks/<name>/webhook
    label: str
    connector: str  # module path of the input channel class
    secrets: Mapping[str, str]  # credential key -> env var, written as ${VAR}
    values: Mapping[str, str] = field(default_factory=dict)  # key -> env var, written as is
    optional: Mapping[str, str] = field(default_factory=dict)  # key -> env var, if set
    webhook_key: str | None = None  # credential key that gets the public webhook URL

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/{self.name}/webhook"

    @property
    def env_vars(self) -> list[str]:
        needed = [*self.secrets.values(), *self.values.values()]
        return [*needed, PUBLIC_URL] if self.webhook_key else needed

    def missing(self, env: Mapping[str, str]) -> list[str]:
        return [var for var in self.env_vars if not env.get(var, "").strip()]

    def credentials(self, env: Mapping[str, str]) -> dict[str, str]:
        creds = {key: f"${{{var}}}" for key, var in self.secrets.items()}
        creds.update({key: env[var].strip() for key, var in self.values.items()})
        creds.update(
            {k: env[v].strip() for k, v in self.optional.items() if env.get(v, "").strip()}
        )
        if self.webhook_key:
            creds[self.webhook_key] = env[PUBLIC_URL].strip().rstrip("/") + self.webhook_path
        return creds


CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        name="telegram",
        label="Telegram",
        connector="bot.channels.telegram.TelegramInput",
        secrets={"access_token": "TELEGRAM_TOKEN", "secret_token": "TELEGRAM_SECRET_TOKEN"},
        values={"verify": "TELEGRAM_BOT_USERNAME"},
        optional={"api_base_url": "TELEGRAM_API_BASE_URL"},
        webhook_key="webhook_url",
    ),
    ChannelSpec(
        name="twilio",
        label="SMS (Twilio)",
        connector="bot.channels.twilio.TwilioInput",
        secrets={"auth_token": "TWILIO_AUTH_TOKEN"},
        values={"account_sid": "TWILIO_ACCOUNT_SID", "twilio_number": "TWILIO_SMS_NUMBER"},
        optional={"api_base_url": "TWILIO_API_BASE_URL"},
        webhook_key="webhook_url",
    ),
    ChannelSpec(
        name="whatsapp",
        label="WhatsApp (Twilio)",
        connector="bot.channels.twilio.WhatsAppInput",
        secrets={"auth_token": "TWILIO_AUTH_TOKEN"},
        values={"account_sid": "TWILIO_ACCOUNT_SID", "twilio_number": "TWILIO_WHATSAPP_NUMBER"},
        optional={"api_base_url": "TWILIO_API_BASE_URL"},
        webhook_key="webhook_url",
    ),
    ChannelSpec(
        name="facebook",
        label="Facebook Messenger",
        connector="bot.channels.facebook.FacebookInput",
        secrets={
            "verify": "FACEBOOK_VERIFY_TOKEN",
            "secret": "FACEBOOK_APP_SECRET",
            "page-access-token": "FACEBOOK_PAGE_ACCESS_TOKEN",
        },
        optional={"api_base_url": "FACEBOOK_API_BASE_URL"},
    ),
    ChannelSpec(
        name="slack",
        label="Slack",
        connector="bot.channels.slack.SlackInput",
        secrets={"slack_token": "SLACK_BOT_TOKEN", "slack_signing_secret": "SLACK_SIGNING_SECRET"},
        optional={"slack_channel": "SLACK_CHANNEL", "api_base_url": "SLACK_API_BASE_URL"},
    ),
)


def enabled_channels(env: Mapping[str, str]) -> list[ChannelSpec]:
    """The messaging channels whose environment variables are all set."""
    return [spec for spec in CHANNELS if not spec.missing(env)]


def build_credentials(settings: Settings, env: Mapping[str, str]) -> dict[str, object]:
    base_file = settings.project_root / "credentials.yml"
    base = yaml.safe_load(base_file.read_text()) if base_file.is_file() else {}
    base = base or {}
    credentials: dict[str, object] = {REST: base.get("rest")}
    socketio = dict(base.get("socketio") or {})
    socketio.setdefault("session_persistence", True)  # the widget resumes its session
    credentials[SOCKETIO] = socketio
    for spec in CHANNELS:
        missing = spec.missing(env)
        if not missing:
            credentials[spec.connector] = spec.credentials(env)
        elif any(env.get(var, "").strip() for var in spec.env_vars if var != PUBLIC_URL):
            logger.warning("%s channel off: %s not set", spec.label, ", ".join(missing))
    return credentials


def write_credentials(settings: Settings, env: Mapping[str, str]) -> Path:
    """Write ``var/credentials.yml`` for the channels ``env`` configures; return its path."""
    path = settings.var_dir / "credentials.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Generated at start-up by bot/channels/credentials.py from the environment\n"
        '# (README, "Channels"). Do not edit: set the environment variables instead.\n'
    )
    body = yaml.safe_dump(build_credentials(settings, env), sort_keys=False)
    path.write_text(header + body)
    return path
