"""The one module that reads the environment: every setting, with its documented default.

Every setting has a default that works on a laptop with no outside services: a SQLite
file under ``var/`` (git-ignored) and local ports. Production overrides them with
environment variables (README, "Configuration"). No other module of ``bot/`` or
``actions/`` reads ``os.environ`` (a test checks it): they take a ``Settings``.

The clinic's own details (phone number, opening hours, time zone, interval) can also be
set by staff in the admin pages; ``bot.clinic`` combines the two sources by one rule.
Here those fields are ``None`` when the environment does not set them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_RETENTION_DAYS = 90
DEFAULT_PHONE_REGION = "GB"
DEFAULT_DATE_ORDER = "DMY"
# The emergency services' number patients are told to call (UK: 999).
DEFAULT_EMERGENCY_NUMBER = "999"
# Only a development value: production sets LOOKUP_HASH_SECRET (README, "Configuration").
DEV_HASH_SECRET = "dev-only-lookup-hash-secret"  # noqa: S105
_TRUE = ("1", "true", "yes")


def _env(name: str, default: str = "") -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _optional(name: str) -> str | None:
    return _env(name) or None


def _os_user() -> str:
    """Who runs this process, for the audit log of terminal commands (``cli:NAME``).

    ``USER`` is unset under cron, ``docker exec``, systemd units and ``env -i``, which
    is where the audit log's ``cli:unknown`` came from; ``LOGNAME`` is often set there,
    and the account database always knows the user id.
    """
    name = _env("USER") or _env("LOGNAME")
    if name:
        return name
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # no passwd entry (a container's bare user id)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


def _emergency_number(raw: str) -> str:
    """2 to 6 digits (999, 112, 911, 000), else the default: a patient taps it to call."""
    return raw if raw.isdigit() and 2 <= len(raw) <= 6 else DEFAULT_EMERGENCY_NUMBER


def _days(raw: str, default: int) -> int:
    """Whole days, at least 1; an unreadable value gives the default."""
    try:
        days = int(raw) if raw else default
    except ValueError:
        return default
    return max(days, 1)


@dataclass(frozen=True)
class Settings:
    project_root: Path
    var_dir: Path
    database_url: str
    tracker_store_url: str
    rasa_port: int
    action_port: int
    web_port: int
    # The interface the action servers listen on. Loopback by default: an action server
    # trusts the conversation Rasa posts to it, so anyone who can reach it could post a
    # made-up one (and skip the per-conversation look-up limit). Containers set 0.0.0.0
    # on their private network (deploy/docker-compose.yml).
    action_host: str = "127.0.0.1"
    clinic_name: str = "the headache clinic"
    # The clinic's details as the environment pins them (None: not set; bot.clinic
    # then uses the clinic settings row, then the default).
    clinic_phone: str | None = None
    clinic_timezone: str | None = None
    clinic_opening_hours: str | None = None
    date_order: str = DEFAULT_DATE_ORDER
    phone_region: str = DEFAULT_PHONE_REGION
    # A national number, not a clinic detail: set once per deployment, not by staff.
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER
    retention_days: int = DEFAULT_RETENTION_DAYS
    lookup_hash_secret: str = DEV_HASH_SECRET
    # Pins for tests and demos: "today" (YYYY-MM-DD) and "now" (ISO, clinic time).
    fixed_today: str | None = None
    fixed_now: str | None = None
    admin_session_secret: str | None = None
    admin_cookie_secure: bool = False
    widget_rasa_url: str | None = None
    # The Rasa servers the background retrain updates (empty: the local one).
    rasa_urls: tuple[str, ...] = ()
    rasa_auth_token: str | None = None
    rasa_cors_origins: str = ""
    model_cache: Path = field(
        default_factory=lambda: Path.home() / ".cache" / "botox-assistant" / "models"
    )
    # The word vectors' tarball (bot/nlu/spacy_pipeline.py), checked by its hash on use.
    download_cache: Path = field(
        default_factory=lambda: Path.home() / ".cache" / "botox-assistant" / "downloads"
    )
    profile: str = ""
    bench_postgres_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    bench_redis_url: str = "redis://127.0.0.1:6379/0"
    os_user: str = "unknown"

    @property
    def models_dir(self) -> Path:
        return self.project_root / "models"

    @property
    def build_dir(self) -> Path:
        return self.project_root / "build"

    @property
    def spacy_model_dir(self) -> Path:
        # Referenced by config.yml (SpacyNLP `model:`); built by `python -m bot spacy-model`.
        return self.build_dir / "spacy_en_lookup"


def load_settings() -> Settings:
    """Read the settings from the environment (call again after changing os.environ)."""
    root = Path(_env("BOT_PROJECT_ROOT", str(PROJECT_ROOT)))
    var_dir = Path(_env("BOT_VAR_DIR", str(root / "var")))
    rasa_urls = _env("RASA_URLS") or _env("RASA_URL")
    return Settings(
        project_root=root,
        var_dir=var_dir,
        database_url=_env("DATABASE_URL", f"sqlite:///{var_dir / 'clinic.db'}"),
        # Conversations (Rasa's SQL tracker store): SQLite beside the clinic database.
        tracker_store_url=_env("TRACKER_STORE_URL", f"sqlite:///{var_dir / 'tracker.db'}"),
        rasa_port=int(_env("RASA_PORT", "5005")),
        action_port=int(_env("ACTION_PORT", "5055")),
        action_host=_env("ACTION_HOST", "127.0.0.1"),
        web_port=int(_env("WEB_PORT", "8000")),
        clinic_name=_env("CLINIC_NAME", "the headache clinic"),
        clinic_phone=_optional("CLINIC_PHONE"),
        clinic_timezone=_optional("CLINIC_TIMEZONE"),
        clinic_opening_hours=_optional("CLINIC_OPENING_HOURS"),
        date_order=_env("DATE_ORDER", DEFAULT_DATE_ORDER).upper(),
        phone_region=_env("PHONE_REGION", DEFAULT_PHONE_REGION).upper(),
        emergency_number=_emergency_number(_env("EMERGENCY_NUMBER")),
        retention_days=_days(_env("RETENTION_DAYS"), DEFAULT_RETENTION_DAYS),
        lookup_hash_secret=_env("LOOKUP_HASH_SECRET", DEV_HASH_SECRET),
        fixed_today=_optional("BOT_FIXED_TODAY"),
        fixed_now=_optional("BOT_FIXED_NOW"),
        admin_session_secret=_optional("ADMIN_SESSION_SECRET"),
        admin_cookie_secure=_env("ADMIN_COOKIE_SECURE").lower() in _TRUE,
        widget_rasa_url=_optional("WIDGET_RASA_URL"),
        rasa_urls=tuple(u.strip().rstrip("/") for u in rasa_urls.split(",") if u.strip()),
        # Not stripped: a token is used exactly as given.
        rasa_auth_token=os.environ.get("RASA_AUTH_TOKEN") or None,
        rasa_cors_origins=os.environ.get("RASA_CORS_ORIGINS", ""),
        model_cache=Path(
            _env("BOT_MODEL_CACHE", str(Path.home() / ".cache" / "botox-assistant" / "models"))
        ),
        download_cache=Path(
            _env(
                "BOT_DOWNLOAD_CACHE",
                str(Path.home() / ".cache" / "botox-assistant" / "downloads"),
            )
        ),
        profile=_env("BOT_PROFILE").lower(),
        bench_postgres_url=_env(
            "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        bench_redis_url=_env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        os_user=_os_user(),
    )


def environment() -> dict[str, str]:
    """A copy of the whole environment, for the subprocesses we start (Rasa, actions) and
    for the production profile's checks, which read variables by name."""
    return dict(os.environ)


def quiet_libraries() -> None:
    """Defaults that keep TensorFlow and SQLAlchemy 1.4 from flooding the terminal."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
