"""The production profile under test: real processes on loopback, real PostgreSQL and Redis.

One production stack per test session (2 Rasa replicas, 2 action servers, nginx), on
fresh PostgreSQL databases (tracker store and clinic database, dropped at the end) and a
Redis key prefix of its own (its keys deleted at the end). The tests that stop processes
start them again before they finish, so the next test finds the whole stack up.

PostgreSQL: the shared ``postgres_server`` (tests/fixtures/databases.py); Redis:
``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``). If either cannot be reached the
tests are skipped with the reason, except under CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import dataclasses
import os
import random
import secrets
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_TODAY
from tests.fixtures.databases import PostgresServer, unavailable

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
AUTH_TOKEN = secrets.token_hex(24)
SITE_ORIGIN = "https://clinic.example"


def port_block(size: int) -> int:
    """The first of ``size`` consecutive loopback ports that are free right now."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000 - size)
        sockets = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no block of free ports found")


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    url = os.environ.get("TEST_REDIS_URL", "").strip() or DEFAULT_REDIS_URL
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
    return url


@pytest.fixture(scope="session")
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix for this session; its keys are deleted at the end."""
    import redis

    prefix = f"botoxtest{secrets.token_hex(4)}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(scope="session")
def prod_stack(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,
    redis_url: str,
    redis_prefix: str,
    trained_model: Path,
):
    """2 Rasa replicas + 2 action servers behind nginx, on PostgreSQL and Redis."""
    from bot.db.seed import prepare_database
    from bot.db.session import dispose_engines
    from bot.ops.production import load_production_config, production_stack
    from bot.settings import load_settings

    subprocess.run(["scripts/ensure-nginx.sh"], check=True)
    clinic_url = postgres_server.create_database()
    tracker_url = postgres_server.create_database()
    prepare_database(clinic_url)  # migrations + the demo patients (README, "Demo data")
    dispose_engines()
    rasa_port, action_port = port_block(3), port_block(3)
    settings = dataclasses.replace(
        load_settings(),
        var_dir=tmp_path_factory.mktemp("production"),
        database_url=clinic_url,
        tracker_store_url=tracker_url,
        rasa_port=rasa_port,
        action_port=action_port,
        web_port=port_block(1),
    )
    env = {
        "RASA_AUTH_TOKEN": AUTH_TOKEN,
        "TRACKER_STORE_URL": tracker_url,
        "DATABASE_URL": clinic_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": redis_prefix,
        "RASA_CORS_ORIGINS": SITE_ORIGIN,
    }
    config = load_production_config(settings, env, replicas=2, action_servers=2)
    stack = production_stack(
        settings,
        trained_model,
        config,
        web=False,
        extra_env={
            "BOT_FIXED_TODAY": TEST_TODAY,
            # A replica killed while holding a conversation's ticket blocks that
            # conversation until the ticket expires: 60 s by default, 20 s here.
            "TICKET_LOCK_LIFETIME": "20",
        },
    )
    with stack:
        yield stack
    postgres_server.drop_database(clinic_url)
    postgres_server.drop_database(tracker_url)


@pytest.fixture
def full_stack(prod_stack):
    """The production stack with every process running (a test before may have stopped some)."""
    stopped = [s.name for s in prod_stack.services if not s.running]
    if stopped:
        prod_stack.start_service(*stopped)
    return prod_stack
