"""The production profile's configuration: refused without what a clinic must set, and the
generated nginx config is one nginx accepts (no processes started here but ``nginx -t``)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest

from bot.cli import main
from bot.ops.production import (
    ProductionConfigError,
    actions_unavailable_body,
    compose_nginx_config,
    load_production_config,
    nginx_config,
    parse_redis_url,
)
from bot.settings import PROJECT_ROOT, load_settings

PG = "postgresql://postgres@127.0.0.1:5432/x"
GOOD_ENV = {
    "RASA_AUTH_TOKEN": "a" * 32,
    "TRACKER_STORE_URL": PG + "_tracker",
    "DATABASE_URL": PG + "_clinic",
    "NGINX": "/bin/sh",  # any file: the binary's presence is all that is checked
}


def _settings(env: dict[str, str]):
    return dataclasses.replace(
        load_settings(),
        tracker_store_url=env.get("TRACKER_STORE_URL") or "sqlite:///t.db",
        database_url=env.get("DATABASE_URL") or "sqlite:///c.db",
    )


def test_good_environment_gives_the_profile_with_site_only_cors():
    config = load_production_config(_settings(GOOD_ENV), GOOD_ENV)
    assert (config.replicas, config.action_servers) == (2, 2)
    assert "*" not in config.cors_origins
    assert all(origin.startswith("http://") for origin in config.cors_origins)
    assert config.redis.host == "127.0.0.1" and config.redis.port == 6379


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("RASA_AUTH_TOKEN", "RASA_AUTH_TOKEN"),
        ("TRACKER_STORE_URL", "TRACKER_STORE_URL"),
        ("DATABASE_URL", "DATABASE_URL"),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(missing, named):
    env = {k: v for k, v in GOOD_ENV.items() if k != missing}
    with pytest.raises(ProductionConfigError, match=named):
        load_production_config(_settings(env), env)


def test_wildcard_cors_and_a_short_token_are_refused():
    env = {**GOOD_ENV, "RASA_CORS_ORIGINS": "https://clinic.example, *", "RASA_AUTH_TOKEN": "x"}
    with pytest.raises(ProductionConfigError) as error:
        load_production_config(_settings(env), env)
    assert "'*' is not allowed" in str(error.value)
    assert "too short" in str(error.value)


def test_redis_url_with_password_and_db():
    redis = parse_redis_url("redis://:s%40cret@cache.internal:6380/3", "botox")
    assert (redis.host, redis.port, redis.db) == ("cache.internal", 6380, 3)
    assert redis.password == "s@cret"
    with pytest.raises(ProductionConfigError):
        parse_redis_url("http://cache")
    with pytest.raises(ProductionConfigError):
        parse_redis_url("redis://cache", "not-alnum!")


def test_cli_without_token_says_what_to_set_and_exits(monkeypatch, capsys):
    monkeypatch.delenv("RASA_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("BOT_PROFILE", "production")
    assert main(["run"]) == 2
    out = capsys.readouterr().out
    assert "RASA_AUTH_TOKEN is not set" in out
    assert "Traceback" not in out


def test_canned_action_answer_is_what_rasa_expects_from_an_action_server():
    body = json.loads(actions_unavailable_body("020 7946 0000"))
    assert body["events"] == []
    assert "try again shortly" in body["responses"][0]["text"]


def test_generated_nginx_config_is_valid(tmp_path: Path):
    subprocess.run(["scripts/ensure-nginx.sh"], cwd=PROJECT_ROOT, check=True)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        nginx_config(
            listen="127.0.0.1:18005",
            actions_listen="127.0.0.1:18055",
            rasa_servers=["127.0.0.1:18006", "127.0.0.1:18007"],
            action_servers=["127.0.0.1:18056"],
            phone="020 7946 0000",
            prefix=tmp_path,
            log_dir=tmp_path,
        )
    )
    result = subprocess.run(
        ["/usr/sbin/nginx", "-t", "-p", str(tmp_path), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_compose_nginx_template_is_generated_from_the_same_code():
    committed = (PROJECT_ROOT / "deploy" / "nginx.conf.template").read_text()
    assert committed == compose_nginx_config(), (
        "deploy/nginx.conf.template is stale: regenerate it (see deploy/docker-compose.yml)"
    )


def test_only_the_website_gets_the_replicas_and_the_token_for_model_swaps():
    """Publishing a new FAQ topic swaps the model on every replica (bot/content/retrain.py)."""
    from bot.ops.production import production_stack

    settings = _settings(GOOD_ENV)
    config = load_production_config(settings, GOOD_ENV, replicas=3, action_servers=2)
    stack = production_stack(settings, Path("model.tar.gz"), config)
    services = {service.name: service for service in stack._services()}
    web = services["web"].env
    assert web["RASA_AUTH_TOKEN"] == GOOD_ENV["RASA_AUTH_TOKEN"]
    assert web["RASA_URLS"].split(",") == [stack.replica_url(i) for i in range(3)]
    assert "RASA_AUTH_TOKEN" not in stack.env()
    for name in ("actions-1", "actions-2", "rasa-1", "nginx"):
        assert "RASA_AUTH_TOKEN" not in services[name].env, name


def test_nginx_drops_idle_action_connections_before_the_action_server_does():
    # rasa_sdk serves with Sanic's keep-alive; nginx must close an idle upstream
    # connection first, or it may reuse one the server is closing and fail the call.
    from sanic.config import DEFAULT_CONFIG

    config = compose_nginx_config()
    actions = config[config.index("upstream actions") :]
    actions = actions[: actions.index("}")]
    seconds = int(actions.split("keepalive_timeout")[1].split("s;")[0])
    assert seconds < DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"]


def test_production_action_servers_listen_on_the_configured_interface():
    from bot.ops.production import production_stack

    settings = dataclasses.replace(_settings(GOOD_ENV), action_host="10.0.0.7")
    config = load_production_config(settings, GOOD_ENV, replicas=1, action_servers=2)
    services = production_stack(settings, Path("model.tar.gz"), config)._services()
    actions = [service for service in services if service.name.startswith("actions-")]
    assert len(actions) == 2
    assert all(service.env["SANIC_HOST"] == "10.0.0.7" for service in actions)


def test_compose_action_servers_listen_inside_their_network():
    import yaml

    compose = yaml.safe_load((PROJECT_ROOT / "deploy" / "docker-compose.yml").read_text())
    actions = compose["services"]["actions-1"]
    assert actions["environment"]["SANIC_HOST"] == "0.0.0.0"  # noqa: S104 - compose network only
    assert "DATABASE_URL" in actions["environment"]  # the app's environment is kept
    assert "ports" not in actions  # nothing published outside the compose network
