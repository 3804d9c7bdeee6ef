"""Public pages: the demo clinic page (``/``) and the health check (``/health``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.clinic import clinic_context
from bot.web.widget import snippet


def rasa_url_for(request: Request) -> str:
    """The Rasa server's address as this browser reaches it."""
    configured = request.app.state.config.rasa_url
    if configured:
        return configured.rstrip("/")
    hostname = request.url.hostname or "localhost"
    if ":" in hostname:  # IPv6 literal
        hostname = f"[{hostname}]"
    return f"{request.url.scheme}://{hostname}:{request.app.state.settings.rasa_port}"


def content_security_policy(rasa_url: str) -> str:
    parts = urlsplit(rasa_url)
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    rasa = f"{parts.scheme}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {rasa} {ws_scheme}://{parts.netloc}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


async def demo_page(request: Request) -> Response:
    settings = request.app.state.settings
    clinic = await run_in_threadpool(clinic_context, None, settings)
    rasa_url = rasa_url_for(request)
    widget_url = str(request.url_for("widget_js"))
    tag = snippet(
        widget_url,
        {
            "server": rasa_url,
            "title": "Questions about Botox for migraine",
            "color": "#0a58a3",
            "phone": clinic.phone,
            "emergency-number": settings.emergency_number,
        },
    )
    response = request.app.state.templates.TemplateResponse(
        request,
        "demo.html",
        {
            "clinic_name": settings.clinic_name,
            "clinic_phone": clinic.phone,
            "clinic_hours": clinic.hours_text,
            "emergency_number": settings.emergency_number,
            "snippet": tag,
        },
    )
    response.headers["Content-Security-Policy"] = content_security_policy(rasa_url)
    return response


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


routes = [
    Route("/", demo_page, name="demo"),
    Route("/health", health, name="health"),
]
