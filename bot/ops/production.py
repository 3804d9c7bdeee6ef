"""The production profile: Rasa's standard scale-out architecture, on one machine or several.

    patients -> nginx :RASA_PORT --(round robin; socket.io sticky by client address)-->
                    N Rasa replicas (rasa run)  -- SQL tracker store (PostgreSQL)
                                                -- Redis lock store
                                                -> nginx :ACTION_PORT -> M action servers
                                                                         -> clinic database

Nothing here is home-made infrastructure: the replicas are plain ``rasa run`` processes
with ``deploy/endpoints.production.yml`` (Rasa's SQL tracker store and Redis lock store),
the action servers are plain ``rasa_sdk`` processes, and the load balancer is Debian's
nginx with a generated config (:func:`nginx_config`). ``python -m bot run --production``
(``make run-production``) starts it all on one machine; ``deploy/`` describes the same
layout on several machines (docker-compose, Kubernetes with Rasa's Helm chart).

Configuration comes only from the environment (README, "Production and reliability"):
:func:`load_production_config` checks it and refuses to start, with a plain message,
when something a clinic must set is missing (the API token, PostgreSQL URLs).

When no action server answers (all stopped, restarting, or an action crashed), nginx
answers Rasa in the action server's own format with :data:`ACTIONS_UNAVAILABLE_TEXT`, so
the patient gets "try again shortly" instead of silence; the conversation's state is
unchanged and it continues normally once an action server is back.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.clinic import clinic_context
from bot.ops.runner import (
    DEFAULT_READY_TIMEOUT,
    Service,
    Stack,
    _model_loaded,
    action_server,
    cors_origins,
    http_ok,
)
from bot.settings import Settings, environment

ENDPOINTS_FILE = "deploy/endpoints.production.yml"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_KEY_PREFIX = "botox"
NGINX_HEALTH_PATH = "/nginx-health"

# Sent by nginx, as if from the action server, when no action server answers. Not a
# clinical statement; {phone} is the clinic's number (CLINIC_PHONE).
ACTIONS_UNAVAILABLE_TEXT = (
    "Sorry, I can't answer that right now: part of the service is restarting. "
    "Please try again shortly. If it's urgent, call the clinic on {phone}."
)


class ProductionConfigError(ValueError):
    """The environment does not describe a usable production setup (message: what to set)."""


@dataclass(frozen=True)
class RedisConfig:
    host: str
    port: int
    db: int
    password: str
    key_prefix: str

    def env(self) -> dict[str, str]:
        """The variables ``deploy/endpoints.production.yml`` reads."""
        return {
            "REDIS_HOST": self.host,
            "REDIS_PORT": str(self.port),
            "REDIS_DB": str(self.db),
            "REDIS_PASSWORD": self.password,
            "REDIS_KEY_PREFIX": self.key_prefix,
        }


@dataclass(frozen=True)
class ProductionConfig:
    replicas: int
    action_servers: int
    auth_token: str
    cors_origins: tuple[str, ...]
    redis: RedisConfig
    nginx: str

    def replica_ports(self, settings: Settings) -> list[int]:
        """The replicas listen on the ports after the public one: RASA_PORT+1, +2, ..."""
        return [settings.rasa_port + 1 + i for i in range(self.replicas)]

    def action_ports(self, settings: Settings) -> list[int]:
        return [settings.action_port + 1 + i for i in range(self.action_servers)]


# nginx rests an upstream server this long after it failed (``fail_timeout``).
NGINX_FAIL_TIMEOUT_S = 3


def _is_sqlite(url: str) -> bool:
    return url.strip().lower().startswith("sqlite")


def parse_redis_url(url: str, key_prefix: str = DEFAULT_KEY_PREFIX) -> RedisConfig:
    """``redis://[:password@]host[:port][/db]`` -> the lock store's settings."""
    parts = urlsplit(url.strip())
    if parts.scheme != "redis" or not parts.hostname:
        raise ProductionConfigError(
            "REDIS_URL must look like redis://[:password@]host[:port][/db], "
            f"e.g. {DEFAULT_REDIS_URL}."
        )
    db_text = parts.path.strip("/") or "0"
    if not db_text.isdigit():
        raise ProductionConfigError("REDIS_URL: the database after the host must be a number.")
    if not key_prefix.isalnum():
        raise ProductionConfigError("REDIS_KEY_PREFIX must be letters and digits only.")
    return RedisConfig(
        host=parts.hostname,
        port=parts.port or 6379,
        db=int(db_text),
        password=unquote(parts.password or ""),
        key_prefix=key_prefix,
    )


def _count(env: Mapping[str, str], name: str, given: int | None, default: int) -> int:
    if given is not None:
        value = given
    else:
        text = env.get(name, "").strip() or str(default)
        if not text.isdigit():
            raise ProductionConfigError(f"{name} must be a whole number (got {text!r}).")
        value = int(text)
    if not 1 <= value <= 32:
        raise ProductionConfigError(f"{name} must be between 1 and 32 (got {value}).")
    return value


def load_production_config(
    settings: Settings,
    env: Mapping[str, str] | None = None,
    *,
    replicas: int | None = None,
    action_servers: int | None = None,
    host: str = "127.0.0.1",
) -> ProductionConfig:
    """Check the environment for the production profile; raise ProductionConfigError if unfit."""
    env = environment() if env is None else env
    problems = []
    token = env.get("RASA_AUTH_TOKEN", "").strip()
    if not token:
        problems.append(
            "RASA_AUTH_TOKEN is not set: the Rasa HTTP API must be protected in production. "
            "Set it to a long random value, e.g. RASA_AUTH_TOKEN=$(openssl rand -hex 32)."
        )
    elif len(token) < 16:
        problems.append("RASA_AUTH_TOKEN is too short: use at least 16 random characters.")
    if _is_sqlite(settings.tracker_store_url) or not env.get("TRACKER_STORE_URL", "").strip():
        problems.append(
            "TRACKER_STORE_URL must be a PostgreSQL URL shared by every replica, e.g. "
            "postgresql://postgres@127.0.0.1:5432/botox_tracker (SQLite cannot be shared)."
        )
    if _is_sqlite(settings.database_url) or not env.get("DATABASE_URL", "").strip():
        problems.append(
            "DATABASE_URL must be a PostgreSQL URL shared by every action server, e.g. "
            "postgresql://postgres@127.0.0.1:5432/botox_clinic."
        )
    origins = tuple(cors_origins(env.get("RASA_CORS_ORIGINS", "")))
    if origins == ("*",):
        # Default: the clinic website this profile serves, nothing else.
        origins = tuple(
            f"http://{name}:{settings.web_port}" for name in dict.fromkeys([host, "localhost"])
        )
    elif "*" in origins:
        problems.append("RASA_CORS_ORIGINS: list the site's origins; '*' is not allowed here.")
    nginx = env.get("NGINX", "").strip() or shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).is_file():
        problems.append(
            f"nginx not found at {nginx}: run scripts/ensure-nginx.sh (make run-production "
            "does) or set NGINX=/path/to/nginx."
        )
    try:
        redis = parse_redis_url(
            env.get("REDIS_URL", "").strip() or DEFAULT_REDIS_URL,
            env.get("REDIS_KEY_PREFIX", "").strip() or DEFAULT_KEY_PREFIX,
        )
        config = ProductionConfig(
            replicas=_count(env, "RASA_REPLICAS", replicas, 2),
            action_servers=_count(env, "ACTION_SERVERS", action_servers, 2),
            auth_token=token,
            cors_origins=origins,
            redis=redis,
            nginx=nginx,
        )
    except ProductionConfigError as exc:
        problems.append(str(exc))
    if problems:
        raise ProductionConfigError("\n".join(f"- {p}" for p in problems))
    return config


def _nginx_string(text: str) -> str:
    """``text`` as a single-quoted nginx string (no variables: ``$`` is refused)."""
    if "$" in text:
        raise ValueError("nginx strings here must not contain '$'")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def actions_unavailable_body(phone: str) -> str:
    """The action server response nginx sends when none answers: one message, no events."""
    text = ACTIONS_UNAVAILABLE_TEXT.format(phone=phone)
    return json.dumps({"events": [], "responses": [{"text": text}]})


def nginx_config(
    *,
    listen: str,
    actions_listen: str,
    rasa_servers: list[str],
    action_servers: list[str],
    phone: str,
    prefix: Path | str,
    log_dir: Path | str,
) -> str:
    """The load balancer: one upstream for the Rasa replicas, one for the action servers.

    ``listen`` / ``actions_listen``: ``host:port`` for patients and for the replicas'
    action calls; ``rasa_servers`` / ``action_servers``: ``host:port`` of each process.
    """
    rest = f"fail_timeout={NGINX_FAIL_TIMEOUT_S}s"
    rasa = "\n".join(f"        server {s} max_fails=3 {rest};" for s in rasa_servers)
    actions = "\n".join(f"        server {s} max_fails=1 {rest};" for s in action_servers)
    body = _nginx_string(actions_unavailable_body(phone))
    return f"""# Generated by bot/production.py (nginx_config): do not edit by hand.
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {log_dir}/nginx-error.log warn;

events {{
    worker_connections 2048;
}}

http {{
    # Method, path and status only: no query strings, no bodies, no client addresses.
    log_format clinic '$time_iso8601 $request_method $uri $status $request_time $upstream_addr';
    access_log {log_dir}/nginx-access.log clinic;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    # Bodies stay in memory (never in temp files); larger ones get 413, not a 5xx.
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    proxy_max_temp_file_size 0;
    server_tokens off;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        '' close;
    }}

    # The Rasa replicas share the tracker store and the lock store, so any of them can
    # take any message: round robin, and a request a replica cannot answer (down, or
    # killed while answering) goes to the next one.
    upstream rasa {{
{rasa}
        keepalive 32;
    }}

    # socket.io keeps a session per connection: a client stays on one replica while it is up.
    upstream rasa_socketio {{
        ip_hash;
{rasa}
    }}

    upstream actions {{
{actions}
        keepalive 32;
        # nginx closes an idle connection before the action server would (rasa_sdk runs
        # Sanic's 5 s keep-alive): reusing a connection the server is closing at that
        # moment fails an action call the server never saw (Rasa's own is 120 s).
        keepalive_timeout 4s;
    }}

    server {{
        listen {listen};

        location = {NGINX_HEALTH_PATH} {{
            access_log off;
            default_type text/plain;
            return 200 "ok\\n";
        }}

        location /socket.io/ {{
            proxy_pass http://rasa_socketio;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;
            proxy_next_upstream error timeout http_502 http_503;
        }}

        location / {{
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 2s;
            # A message may wait for its conversation's lock (TICKET_LOCK_LIFETIME, 60 s).
            proxy_read_timeout 150s;
            # non_idempotent: a message whose replica died before answering is re-sent
            # to the next one. The dead replica may already have stored it (it died
            # between saving the conversation and answering): the request id below is
            # the message's idempotency key when the client sends none, the same on the
            # re-sent request, so the next replica finds it in the conversation and
            # answers with the first answer instead of processing it again
            # (bot/rasa/idempotency.py). Once only: a message that makes a replica drop the
            # connection must not take every replica out in turn.
            proxy_set_header X-Request-ID $request_id;
            proxy_next_upstream error http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 2;
        }}
    }}

    server {{
        listen {actions_listen};
        # Rasa sends the action server the whole conversation (this session's events) with
        # every action call: a long conversation passed the patients' 1 MB limit above and
        # its answers failed with 413 (found by a replica-kill test, branch issue-17).
        # Only the replicas call this port.
        client_max_body_size 64m;

        location / {{
            proxy_pass http://actions;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            proxy_next_upstream error timeout http_502 http_503;
            # No action server answered, or an action crashed (500): answer for it.
            # 400 (a form's validation rejecting a value) and 404 pass through to Rasa.
            proxy_intercept_errors on;
            error_page 500 502 503 504 = @actions_unavailable;
        }}

        location @actions_unavailable {{
            default_type application/json;
            return 200 {body};
        }}
    }}
}}
"""


@dataclass
class ProductionStack(Stack):
    """N Rasa replicas, M action servers, nginx in front of both, and the website.

    ``rasa_url`` is nginx (what patients use); ``replica_url(i)`` is one replica directly.
    Service names: ``actions-1``.., ``rasa-1``.., ``nginx``, ``web``.
    """

    config: ProductionConfig | None = None

    def __post_init__(self) -> None:
        if self.config is None:
            raise ValueError("ProductionStack needs a ProductionConfig")

    @property
    def production(self) -> ProductionConfig:
        assert self.config is not None
        return self.config

    @property
    def nginx_dir(self) -> Path:
        return self.settings.var_dir / "nginx"

    def replica_url(self, index: int) -> str:
        """Replica ``index`` (0-based), bypassing the load balancer."""
        return f"http://127.0.0.1:{self.production.replica_ports(self.settings)[index]}"

    @property
    def replica_names(self) -> list[str]:
        return [f"rasa-{i + 1}" for i in range(self.production.replicas)]

    @property
    def action_names(self) -> list[str]:
        return [f"actions-{i + 1}" for i in range(self.production.action_servers)]

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(self.production.redis.env())
        env.pop("RASA_AUTH_TOKEN", None)  # given on the command line of each replica only
        return env

    def write_nginx_config(self) -> Path:
        cfg = self.production
        for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.nginx_dir / sub).mkdir(parents=True, exist_ok=True)
        path = self.nginx_dir / "nginx.conf"
        path.write_text(
            nginx_config(
                listen=f"{self.host}:{self.settings.rasa_port}",
                actions_listen=f"127.0.0.1:{self.settings.action_port}",
                rasa_servers=[f"127.0.0.1:{p}" for p in cfg.replica_ports(self.settings)],
                action_servers=[f"127.0.0.1:{p}" for p in cfg.action_ports(self.settings)],
                phone=clinic_context(settings=self.settings).phone,
                prefix=self.nginx_dir,
                log_dir=self.settings.var_dir / "log",
            )
        )
        return path

    def start_service(self, *names: str, timeout: float = DEFAULT_READY_TIMEOUT) -> None:
        """Start stopped processes again; wait until healthy and until nginx routes to them.

        nginx rests a server that failed for ``fail_timeout`` (3 s) before trying it again.
        A health path through nginx may be answered by another server, so that proves
        nothing about the restarted one: once it answers on its own port, this also
        waits out the rest period nginx may have started at its last refused connection.
        Else a second server dying within those seconds leaves nginx "no live
        upstreams" while a healthy one is up (found by tests/reliability/test_replica_deaths.py).
        """
        super().start_service(*names, timeout=timeout)
        # nginx counts the rest in whole seconds (its cached clock): a server refused at
        # 3.9 s can still be skipped at 7.9 s. Wait fail_timeout plus that second and a half.
        time.sleep(NGINX_FAIL_TIMEOUT_S + 1.5)
        checks: list[tuple[str, Callable[[bytes], bool]]] = []
        if any(name.startswith("actions-") for name in names):
            # Through nginx; its stand-in answer when no server is up has "events" in it.
            url = f"http://127.0.0.1:{self.settings.action_port}/health"
            checks.append((url, lambda body: b"events" not in body))
        if any(name.startswith("rasa-") for name in names):
            token = self.production.auth_token
            url = f"http://{self.host}:{self.settings.rasa_port}/status?token={token}"
            checks.append((url, _model_loaded))
        deadline = time.monotonic() + 30
        for url, check in checks:
            while not http_ok(url, check=check) and time.monotonic() < deadline:
                time.sleep(0.25)

    def _services(self) -> list[Service]:
        py = sys.executable
        cfg = self.production
        services = [
            action_server(name, port, self.settings.action_host)
            for name, port in zip(self.action_names, cfg.action_ports(self.settings), strict=True)
        ]
        for name, port in zip(self.replica_names, cfg.replica_ports(self.settings), strict=True):
            cmd = [
                py, "-m", "bot.rasa.server", "run",  # `rasa run` + one speed fix
                "--model", str(self.model),
                "--interface", "127.0.0.1", "--port", str(port),
                "--enable-api", "--auth-token", cfg.auth_token,
                "--credentials", str(self.credentials_file or "credentials.yml"),
                "--endpoints", ENDPOINTS_FILE,
                "--cors", *cfg.cors_origins,
            ]  # fmt: skip
            services.append(
                Service(
                    name=name,
                    cmd=cmd,
                    health_url=f"http://127.0.0.1:{port}/status?token={cfg.auth_token}",
                    check=_model_loaded,
                )
            )
        conf = self.write_nginx_config()
        services.append(
            Service(
                name="nginx",
                cmd=[cfg.nginx, "-p", str(self.nginx_dir), "-c", str(conf), "-g", "daemon off;"],
                health_url=f"http://{self.host}:{self.settings.rasa_port}{NGINX_HEALTH_PATH}",
            )
        )
        if self.web:
            web_cmd = [
                py, "-m", "bot.web",
                "--host", self.host, "--port", str(self.settings.web_port),
                "--rasa-port", str(self.settings.rasa_port),
            ]  # fmt: skip
            services.append(
                Service(
                    name="web",
                    cmd=web_cmd,
                    health_url=f"{self.web_url}/health",
                    # Publishing a new FAQ topic swaps the model on every replica (PUT
                    # /model, bot/content/retrain.py), which needs their addresses and the
                    # API token: this process gets both, the action servers neither.
                    env={
                        "RASA_URLS": ",".join(
                            self.replica_url(i) for i in range(self.production.replicas)
                        ),
                        "RASA_AUTH_TOKEN": self.production.auth_token,
                    },
                )
            )
        return services


def compose_nginx_config(replicas: int = 2, action_servers: int = 2) -> str:
    """``deploy/nginx.conf.template``: the same balancer for docker-compose (services by name).

    The official nginx image fills in ``${CLINIC_PHONE}`` from its environment at start.
    """
    placeholder = "CLINIC-PHONE-PLACEHOLDER"
    config = nginx_config(
        listen="0.0.0.0:5005",
        actions_listen="0.0.0.0:5055",
        rasa_servers=[f"rasa-{i + 1}:5005" for i in range(replicas)],
        action_servers=[f"actions-{i + 1}:5055" for i in range(action_servers)],
        phone=placeholder,
        prefix="/var/cache/nginx",
        log_dir="/var/log/nginx",
    )
    return config.replace(placeholder, "${CLINIC_PHONE}")


def ensure_postgres_databases(urls: list[str]) -> list[str]:
    """Create each PostgreSQL database in ``urls`` that does not exist yet; return those made.

    For the one-machine trial (the databases of a real deployment exist beforehand). The
    server's ``postgres`` database is used to issue CREATE DATABASE.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    created = []
    for url in dict.fromkeys(urls):
        parsed = make_url(url)
        if not parsed.get_backend_name().startswith("postgresql") or not parsed.database:
            continue
        admin = create_engine(
            parsed.set(database="postgres"),
            future=True,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 5},
        )
        try:
            with admin.connect() as connection:
                exists = connection.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"),
                    {"name": parsed.database},
                ).first()
                if not exists:
                    quoted = parsed.database.replace('"', '""')
                    connection.execute(text(f'CREATE DATABASE "{quoted}"'))
                    created.append(parsed.database)
        finally:
            admin.dispose()
    return created


def production_stack(
    settings: Settings,
    model: Path,
    config: ProductionConfig,
    *,
    host: str = "127.0.0.1",
    extra_env: dict[str, str] | None = None,
    web: bool = True,
) -> ProductionStack:
    return ProductionStack(
        settings=settings,
        model=model,
        host=host,
        extra_env=dict(extra_env or {}),
        web=web,
        config=config,
    )
