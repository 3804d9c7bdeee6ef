"""The vendored socket.io-client is the pinned 4.x release (Rasa 3.6: Engine.IO v4)."""

from __future__ import annotations

import re

from bot.settings import PROJECT_ROOT
from bot.web.widget import SOCKETIO_JS, socketio_version

SCRIPT = PROJECT_ROOT / "scripts" / "vendor-socketio.sh"


def pinned_version() -> str:
    match = re.search(r"^SOCKETIO_VERSION=(\S+)$", SCRIPT.read_text(), re.MULTILINE)
    assert match, f"{SCRIPT} has no SOCKETIO_VERSION=..."
    return match.group(1)


def test_vendored_socketio_client_is_the_pinned_version() -> None:
    assert socketio_version(SOCKETIO_JS) == pinned_version()


def test_socketio_client_speaks_rasas_protocol() -> None:
    # python-socketio 5.x (Rasa 3.6) talks to socket.io-client 4.x only.
    assert socketio_version().split(".")[0] == "4"
    from importlib.metadata import version

    assert version("python-socketio").split(".")[0] == "5"


def test_the_license_travels_with_the_vendored_file() -> None:
    license_file = SOCKETIO_JS.with_name("socket.io.LICENSE")
    assert "MIT License" in license_file.read_text()
