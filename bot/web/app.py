"""The website app: ``create_app(settings)`` builds the Starlette application.

Routes (one module each, so the staff pages can be added the same way):

* ``bot.web.pages``: ``/`` the demo clinic page with the widget snippet, ``/health``;
* ``bot.web.widget``: ``/widget/widget.js`` (the widget bundled with the vendored
  socket.io-client) and ``/widget/widget.css``;
* ``bot.web.admin``: ``/admin``, the staff pages (signed-in staff only);
* ``/static``: the files under ``bot/web/static/``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.clinic import clinic_context
from bot.db.base import utc_now
from bot.settings import Settings
from bot.training.retrain import Retrainer, fail_interrupted_jobs
from bot.web.admin import add_session_middleware
from bot.web.admin import routes as admin_routes
from bot.web.markdown import excerpt, plain_text, render_markdown
from bot.web.pages import routes as page_routes
from bot.web.widget import STATIC_DIR
from bot.web.widget import routes as widget_routes

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Sent with every response; pages add their own Content-Security-Policy.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


@dataclass(frozen=True)
class WebConfig:
    """What the pages need besides the settings."""

    # The Rasa server's address as browsers reach it. Unset: the page's own host name
    # with the Rasa port (right for `make run`; set WIDGET_RASA_URL behind a proxy).
    rasa_url: str | None = None


class SecurityHeaders:
    """Pure ASGI middleware adding SECURITY_HEADERS to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, rasa_url: str | None = None) -> Starlette:
    app = Starlette(
        routes=[
            *page_routes,
            *widget_routes,
            *admin_routes,
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ]
    )
    add_session_middleware(app, settings)
    app.add_middleware(SecurityHeaders)
    app.state.settings = settings
    app.state.config = WebConfig(rasa_url=rasa_url or settings.widget_rasa_url)
    # The clinic's details as the pages show them (bot.clinic: environment, then the
    # clinic settings row, then the default), read anew for each page.
    app.state.clinic = lambda: clinic_context(settings=settings)
    app.state.templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    # The answers' Markdown on the staff pages (transcripts, excerpts): escaped, then
    # formatted, as the chat widget shows it.
    app.state.templates.env.filters.update(
        markdown=render_markdown, plain_text=plain_text, excerpt=excerpt
    )
    # The sign-in lock-out's clock and its slow-down (bot/web/admin/account.py); tests
    # replace both, so that they neither wait nor depend on the time of day.
    app.state.clock = utc_now
    app.state.sleep = asyncio.sleep
    # Background retraining for the staff pages (one job at a time, in this process).
    app.state.retrainer = Retrainer(settings)
    try:
        fail_interrupted_jobs(settings)
    except Exception as exc:  # no database yet: the admin pages will say so when used
        logging.getLogger(__name__).warning("training jobs not checked: %s", type(exc).__name__)
    return app
