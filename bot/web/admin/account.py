"""Signing in and out."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.content.repository import audit
from bot.web.admin.deps import actor, form_with_csrf, render, staff_page, with_session
from bot.web.auth import authenticate


def _sign_in(request: Request, session: Session) -> Response:
    form = request.state.form
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    user = authenticate(session, username, password) if username and password else None
    if user is None:
        return render(
            request, "login.html", 401, error="Wrong user name or password.", username=username
        )
    audit(session, user.username, "sign_in")
    request.session.clear()  # a new session (and CSRF token) at each sign-in
    request.session["user"] = username
    return RedirectResponse("/admin", status_code=303)


async def login_page(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "login.html")
    form = await form_with_csrf(request)
    if form is None:
        return render(request, "login.html", 403, error="The page had expired; try again.")
    request.state.form = form
    return await run_in_threadpool(with_session, _sign_in, request)


@staff_page
def logout(request: Request, session: Session) -> Response:
    audit(session, actor(request), "sign_out")
    request.session.clear()
    return RedirectResponse("/admin/login", status_code=303)


routes = [
    Route("/admin/login", login_page, methods=["GET", "POST"], name="admin_login"),
    Route("/admin/logout", logout, methods=["POST"], name="admin_logout"),
]
