"""The website process over HTTP: demo page, widget files, health, security headers."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from bot.web.widget import socketio_version

pytestmark = pytest.mark.e2e


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def test_health(stack) -> None:
    assert get(f"{stack.web_url}/health")[::2] == (200, '{"status":"ok"}')


def test_demo_page_embeds_the_widget_snippet_pointing_at_rasa(stack) -> None:
    status, headers, html = get(f"{stack.web_url}/")
    assert status == 200
    assert f'<script src="{stack.web_url}/widget/widget.js"' in html
    assert f'data-server="{stack.rasa_url}"' in html
    assert 'data-title="Questions about Botox for migraine"' in html
    assert "&lt;script src=" in html  # the same snippet shown as code for the web team
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp
    port = stack.settings.rasa_port
    assert f"http://127.0.0.1:{port}" in csp and f"ws://127.0.0.1:{port}" in csp
    assert headers["x-content-type-options"] == "nosniff"


def test_widget_bundle_includes_the_vendored_socketio_client(stack) -> None:
    status, headers, js = get(f"{stack.web_url}/widget/widget.js")
    assert status == 200
    assert headers["content-type"].startswith("text/javascript")
    assert f"Socket.IO v{socketio_version()}" in js
    assert "window.ClinicChat" in js
    assert "sourceMappingURL" not in js
    widget = js.split(";var io = module.exports;")[1]
    code = re.sub(r"/\*.*?\*/|^\s*//.*$", "", widget, flags=re.DOTALL | re.MULTILINE)
    assert "innerHTML" not in code  # message text only ever becomes DOM text nodes
    assert get(f"{stack.web_url}/widget/widget.js", {"If-None-Match": headers["etag"]})[0] == 304


def test_widget_stylesheet(stack) -> None:
    status, headers, css = get(f"{stack.web_url}/widget/widget.css")
    assert status == 200
    assert headers["content-type"].startswith("text/css")
    assert ".cc-launcher" in css


def test_unknown_page_is_404(stack) -> None:
    assert get(f"{stack.web_url}/nothing-here")[0] == 404
