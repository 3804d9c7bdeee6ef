"""Start every process the assistant needs, wait until each is healthy, stop them cleanly.

Used by ``python -m bot run`` (``make run``) and by the end-to-end tests, so the tests
exercise exactly what a clinic runs. One process per job:

* the action server (``rasa_sdk``), health at ``/health``;
* the Rasa server (REST and socket.io channels, HTTP API), health at ``/status``;
* the website (``bot.web``: demo clinic page with the chat widget), health at ``/health``.

Rasa starts with ``var/credentials.yml``, written at start-up by
:func:`bot.channels.write_credentials`: REST and socket.io always, each messaging app
only when its environment variables are set (README, "Channels").

Each process writes its log to ``var/log/<name>.log``; the terminal only gets a summary.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.channels import enabled_channels, write_credentials
from bot.settings import Settings
from bot.training.build import subprocess_env

logger = logging.getLogger(__name__)

DEFAULT_READY_TIMEOUT = 240.0


class StartupFailed(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now (for test and benchmark stacks)."""
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def http_ok(url: str, timeout: float = 2.0, check: Callable[[bytes], bool] | None = None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
            return response.status == 200 and (check is None or check(body))
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _model_loaded(body: bytes) -> bool:
    try:
        return bool(json.loads(body).get("model_file"))
    except ValueError:
        return False


@dataclass
class Service:
    name: str
    cmd: list[str]
    health_url: str
    check: Callable[[bytes], bool] | None = None
    process: subprocess.Popen | None = None
    log_file: Path | None = None
    ready_after: float | None = None
    env: dict[str, str] = field(default_factory=dict)  # this process only, on top of the stack's

    def launch(self, cwd: Path, env: dict[str, str], log_dir: Path, append: bool = False) -> None:
        """Start the process (its own process group), output to ``log_dir/<name>.log``."""
        self.log_file = log_dir / f"{self.name}.log"
        self.ready_after = None
        with self.log_file.open("a" if append else "w") as log:
            self.process = subprocess.Popen(
                self.cmd,
                cwd=cwd,
                env={**env, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, stopped as one
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the whole process group, if it still runs."""
        if self.running:
            assert self.process is not None
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float) -> None:
        """Wait for the process to end; SIGKILL its group after ``timeout`` seconds."""
        proc = self.process
        if proc is None:
            return
        try:
            proc.wait(timeout=max(0.1, timeout))
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            proc.wait()


@dataclass
class Stack:
    """The running processes; use as a context manager, or call start() and stop()."""

    settings: Settings
    model: Path
    host: str = "127.0.0.1"
    extra_env: dict[str, str] = field(default_factory=dict)
    web: bool = True  # also serve the website (demo page + widget) on settings.web_port
    services: list[Service] = field(default_factory=list)
    credentials_file: Path | None = None
    channels: list[str] = field(default_factory=list)  # messaging channels switched on

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.settings.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{self.host}:{self.settings.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.settings.web_port}"

    def webhook_url(self, channel: str) -> str:
        return f"{self.rasa_url}/webhooks/{channel}/webhook"

    def _services(self) -> list[Service]:
        py = sys.executable
        rasa_cmd = [
            py, "-m", "bot.rasa.server", "run",  # `rasa run` + one speed fix (see module)
            "--model", str(self.model),
            "--interface", self.host, "--port", str(self.settings.rasa_port),
            "--enable-api",
            "--credentials", str(self.credentials_file or "credentials.yml"),
            "--endpoints", "endpoints.yml",
            "--cors", *cors_origins(self.settings.rasa_cors_origins),
        ]  # fmt: skip
        token = self.settings.rasa_auth_token
        if token:
            rasa_cmd += ["--auth-token", token]
        services = [
            action_server(
                "actions", self.settings.action_port, self.settings.action_host, self.host
            ),
            Service(
                name="rasa",
                cmd=rasa_cmd,
                health_url=f"{self.rasa_url}/status",
                check=_model_loaded,
            ),
        ]
        if self.web:
            web_cmd = [
                py, "-m", "bot.web",
                "--host", self.host, "--port", str(self.settings.web_port),
                "--rasa-port", str(self.settings.rasa_port),
            ]  # fmt: skip
            services.append(Service(name="web", cmd=web_cmd, health_url=f"{self.web_url}/health"))
        return services

    def env(self) -> dict[str, str]:
        return subprocess_env(
            self.settings,
            {
                "ACTION_ENDPOINT_URL": f"{self.action_url}/webhook",
                "DATABASE_URL": self.settings.database_url,
                "TRACKER_STORE_URL": self.settings.tracker_store_url,
                **self.extra_env,
            },
        )

    def start(self, timeout: float = DEFAULT_READY_TIMEOUT) -> Stack:
        log_dir = self.settings.var_dir / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        env = self.env()
        started = time.monotonic()
        self.credentials_file = write_credentials(self.settings, env)
        self.channels = [spec.name for spec in enabled_channels(env)]
        self.services = self._services()
        for service in self.services:
            service.launch(self.settings.project_root, env, log_dir)
        try:
            self._wait_ready(started, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def stop_service(self, name: str, signum: int = signal.SIGTERM, grace: float = 15.0) -> None:
        """Stop one process (SIGKILL: as if its machine died) and wait until it is gone."""
        service = self.service(name)
        service.signal(signum)
        service.wait(grace)

    def start_service(self, *names: str, timeout: float = DEFAULT_READY_TIMEOUT) -> None:
        """Start stopped processes again (same commands, logs appended); wait until healthy."""
        services = [self.service(name) for name in names]
        for service in services:
            if service.running:
                raise RuntimeError(f"{service.name} is already running")
        env, log_dir = self.env(), self.settings.var_dir / "log"
        for service in services:
            service.launch(self.settings.project_root, env, log_dir, append=True)
        self._wait_ready(time.monotonic(), timeout, services)

    def _wait_ready(
        self, started: float, timeout: float, services: list[Service] | None = None
    ) -> None:
        pending = list(self.services if services is None else services)
        while pending:
            for service in list(pending):
                assert service.process is not None
                if service.process.poll() is not None:
                    raise StartupFailed(
                        f"{service.name} exited with code {service.process.returncode}; "
                        f"see {service.log_file}:\n{_tail(service.log_file)}"
                    )
                if http_ok(service.health_url, check=service.check):
                    service.ready_after = time.monotonic() - started
                    pending.remove(service)
            if pending and time.monotonic() - started > timeout:
                names = ", ".join(s.name for s in pending)
                raise StartupFailed(f"not ready after {timeout:.0f} s: {names}")
            if pending:
                time.sleep(0.5)

    def stop(self, grace: float = 15.0) -> None:
        for service in reversed(self.services):
            service.signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in self.services:
            service.wait(deadline - time.monotonic())

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def action_server(name: str, port: int, host: str, health_host: str = "127.0.0.1") -> Service:
    """The action server (``rasa_sdk``) bound to ``host:port``, as every stack starts it;
    its health is asked of ``health_host``."""
    return Service(
        name=name,
        cmd=[sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
        health_url=f"http://{health_host}:{port}/health",
        # rasa_sdk 3.6 has no host option: `run` reads SANIC_HOST (default 0.0.0.0).
        env={"SANIC_HOST": host},
    )


def cors_origins(value: str) -> list[str]:
    """``RASA_CORS_ORIGINS`` (origins separated by commas or spaces) as a list; empty: ``*``."""
    origins = [o.strip() for o in value.replace(",", " ").split() if o.strip()]
    return origins or ["*"]


def _tail(path: Path | None, lines: int = 20) -> str:
    if path is None or not path.is_file():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
