"""The widget's files: ``/widget/widget.js`` and ``/widget/widget.css``, and the snippet.

``widget.js`` is served as one bundle: the vendored socket.io-client followed by our
widget code, in one closure. Inside it ``module``/``exports`` are local, so socket.io's
UMD wrapper hands ``io`` to the widget without touching the page (no global ``io``, no
clash with a page that loads its own socket.io or RequireJS).
"""

from __future__ import annotations

import hashlib
import html
import re
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

STATIC_DIR = Path(__file__).resolve().parent / "static"
WIDGET_JS = STATIC_DIR / "widget" / "widget.js"
WIDGET_CSS = STATIC_DIR / "widget" / "widget.css"
SOCKETIO_JS = STATIC_DIR / "vendor" / "socket.io.min.js"
_VERSION_RE = re.compile(r"Socket\.IO v(\d+\.\d+\.\d+)")

ASSET_HEADERS = {
    "Cache-Control": "public, max-age=300",
    # Loaded by other sites' pages (the clinic's), also under COEP.
    "Cross-Origin-Resource-Policy": "cross-origin",
}


def socketio_version(path: Path = SOCKETIO_JS) -> str:
    """The version in the vendored socket.io-client's header comment."""
    match = _VERSION_RE.search(path.read_text()[:300])
    if not match:
        raise ValueError(f"{path}: no 'Socket.IO vX.Y.Z' header")
    return match.group(1)


@lru_cache(maxsize=4)
def _bundle(mtimes: tuple[float, float]) -> tuple[bytes, str]:
    vendor = SOCKETIO_JS.read_text()
    widget = WIDGET_JS.read_text()
    text = (
        f"/*! Clinic chat widget. Includes socket.io-client v{socketio_version()} "
        "(MIT License, (c) Guillermo Rauch and contributors). */\n"
        "(function () {\n"
        "var module = { exports: {} }, exports = module.exports, define;\n"
        f"{vendor}\n"
        ";var io = module.exports;\n"
        f"{widget}\n"
        "})();\n"
    )
    body = text.encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def bundle() -> tuple[bytes, str]:
    """The widget bundle and its ETag (rebuilt when either source file changes)."""
    return _bundle((WIDGET_JS.stat().st_mtime, SOCKETIO_JS.stat().st_mtime))


async def widget_js(request: Request) -> Response:
    body, etag = bundle()
    headers = {**ASSET_HEADERS, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


async def widget_css(request: Request) -> Response:
    return FileResponse(WIDGET_CSS, media_type="text/css; charset=utf-8", headers=ASSET_HEADERS)


def snippet(script_url: str, options: dict[str, str]) -> str:
    """The ``<script>`` tag a clinic pastes into its pages (attribute values escaped)."""
    attrs = "".join(
        f'\n        data-{name}="{html.escape(value, quote=True)}"'
        for name, value in options.items()
        if value
    )
    return f'<script src="{html.escape(script_url, quote=True)}"{attrs}\n        async></script>'


routes = [
    Route("/widget/widget.js", widget_js, methods=["GET", "HEAD"]),
    Route("/widget/widget.css", widget_css, methods=["GET", "HEAD"]),
]
