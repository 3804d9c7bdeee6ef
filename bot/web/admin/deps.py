"""What every staff page shares: the signed cookie session, CSRF, sign-in checks, one
database session per request, and rendering.

Sessions are Starlette's signed cookie (``SessionMiddleware``, secret
``ADMIN_SESSION_SECRET`` or one generated into ``var/admin-session-secret``),
``SameSite=Strict``, 8 hours. Every form carries the session's CSRF token, checked on every
POST.

A page is a plain function ``(request, session) -> Response`` decorated with
``@staff_page``: the decorator checks the sign-in and the CSRF token, reads the form, and
runs the function in Starlette's thread pool with one database session (one unit of work:
committed when the page returns, rolled back if it raises). So no handler opens a session
of its own, and no database call blocks the event loop.

The sign-in is checked against the database on every page, not only the cookie: a
disabled account, or one whose password was set since (``StaffUser.session_epoch``), is
signed out at its next click, whichever web process serves it. The page gets the account
as ``request.state.staff`` (its role read afresh, so a change of role applies at once);
``@approver_page`` pages answer 403 to editors.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import Awaitable, Callable

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from bot.clinic import clinic_context
from bot.db.faq_models import APPROVER
from bot.db.session import session_scope
from bot.handoff.callbacks import open_callback_count
from bot.settings import Settings
from bot.training.retrain import Retrainer
from bot.web.auth import signed_in_staff
from bot.web.pages import content_security_policy, rasa_url_for
from bot.web.widget import snippet

logger = logging.getLogger(__name__)

SESSION_COOKIE = "clinic_admin"
SESSION_HOURS = 8

Handler = Callable[[Request], Awaitable[Response]]
Page = Callable[[Request, Session], Response]


def session_secret(settings: Settings) -> str:
    """``ADMIN_SESSION_SECRET``, or a random one kept in ``var/`` (development default)."""
    if settings.admin_session_secret:
        return settings.admin_session_secret
    path = settings.var_dir / "admin-session-secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def add_session_middleware(app, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        path="/admin",
        same_site="strict",
        https_only=settings.admin_cookie_secure,
    )


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def form_with_csrf(request: Request) -> dict | None:
    """The POSTed form, or None if its CSRF token is missing or wrong."""
    form = await request.form()
    sent = str(form.get("csrf_token") or "")
    expected = request.session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        return None
    return dict(form)


def database_url(request: Request) -> str:
    return request.app.state.settings.database_url


def user_of(request: Request) -> str | None:
    return request.session.get("user")


def actor(request: Request) -> str:
    return user_of(request) or "?"


def is_approver(request: Request) -> bool:
    staff = getattr(request.state, "staff", None)
    return staff is not None and staff.role == APPROVER


def _signed_out(request: Request) -> Response:
    request.session.clear()
    if request.url.path.startswith("/admin/api/"):
        return JSONResponse({"error": "sign in first"}, status_code=401)
    return RedirectResponse("/admin/login", status_code=303)


def with_session(page: Page, request: Request) -> Response:
    """Run ``page`` with one database session: the request's unit of work. What the page
    put in ``request.state.after_commit`` runs once that work is committed (starting a
    retrain that must see what was just published)."""
    request.state.after_commit = []
    with session_scope(database_url(request)) as session:
        response = page(request, session)
    for then in request.state.after_commit:
        then()
    return response


def staff_page(page: Page) -> Handler:
    """A staff-only page: signed in, CSRF-checked on POST, run with its database session."""

    def checked(request: Request, session: Session) -> Response:
        staff = signed_in_staff(session, user_of(request) or "", request.session.get("epoch"))
        if staff is None:  # disabled, or signed out by a password change, since
            return _signed_out(request)
        request.state.staff = staff
        return page(request, session)

    async def guarded(request: Request) -> Response:
        if not user_of(request):
            return _signed_out(request)
        if request.method == "POST":
            form = await form_with_csrf(request)
            if form is None:
                return PlainTextResponse(
                    "This form has expired. Go back, reload the page and try again.",
                    status_code=403,
                )
            request.state.form = form
        return await run_in_threadpool(with_session, checked, request)

    guarded.__name__ = page.__name__
    return guarded


def approver_page(page: Page) -> Handler:
    """A page for approvers only (staff accounts): editors are told so, with a 403."""

    def for_approvers(request: Request, session: Session) -> Response:
        if not is_approver(request):
            return render(
                request,
                "message.html",
                403,
                session,
                message="Only an approver can do this. Ask one of the clinic's approvers.",
            )
        return page(request, session)

    for_approvers.__name__ = page.__name__
    return staff_page(for_approvers)


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    session: Session | None = None,
    **context: object,
) -> Response:
    """A staff page from its template; ``session`` (when the page has one) counts the open
    call-backs for the navigation."""
    settings = request.app.state.settings
    clinic = (
        clinic_context(session, settings) if session is not None else request.app.state.clinic()
    )
    user = user_of(request)
    # The edit pages load the chat widget: its renderer draws the preview, and its
    # launcher lets staff try the live assistant.
    widget_tag = snippet(
        str(request.url_for("widget_js")),
        {"server": rasa_url_for(request), "phone": clinic.phone},
    )
    response = request.app.state.templates.TemplateResponse(
        request,
        f"admin/{template}",
        {
            "user": user,
            "approver": is_approver(request),
            "open_callbacks": _open_callbacks(session) if user and session else None,
            "csrf": csrf_token(request),
            "clinic_name": settings.clinic_name,
            "clinic_phone": clinic.phone,
            "flash": request.session.pop("flash", None),
            "widget_tag": widget_tag,
            **context,
        },
        status_code=status_code,
    )
    response.headers["Content-Security-Policy"] = content_security_policy(rasa_url_for(request))
    response.headers["Cache-Control"] = "no-store"
    return response


def _open_callbacks(session: Session) -> int | None:
    """The number of open call-back requests for the navigation (None if unknown)."""
    try:
        with session.begin_nested():
            return open_callback_count(session)
    except Exception as exc:  # the page itself still shows
        logger.error("could not count the call-back requests: %s", type(exc).__name__)
        return None


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def retrainer(request: Request) -> Retrainer:
    return request.app.state.retrainer
