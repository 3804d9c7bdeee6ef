"""Signing in and out, with the lock-out rule of ``bot.web.throttle``.

A sign-in is two units of work. The first records the attempt (committed, so that other
web processes count it) or finds a lock in force; then the reply waits the slow-down
delay, outside the database and the thread pool (``app.state.sleep``); the second checks
the password and records the outcome. An unknown name, a disabled account and a wrong
password take exactly this path and get the same reply: the counts are kept per name
as typed, so an invented name is locked like a real one. Times come from
``app.state.clock`` (tests replace it and ``sleep``: nobody waits in the tests).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.clinic import clinic_context
from bot.content.repository import audit
from bot.db.session import session_scope
from bot.web.admin.callbacks import local_time
from bot.web.admin.deps import (
    actor,
    database_url,
    form_with_csrf,
    render,
    session_secret,
    staff_page,
)
from bot.web.auth import authenticate, find_staff
from bot.web.throttle import (
    ACCOUNT_FAILURES,
    FAILURE_WINDOW,
    LOCK_TIME,
    account_key,
    begin_attempt,
    finish_attempt,
    sign_in_state,
    withdraw_attempt,
)

WRONG = "Wrong user name or password."
MINUTES = int(LOCK_TIME.total_seconds() // 60)


def client_address(request: Request) -> str:
    """The browser's address (uvicorn puts the proxy's X-Forwarded-For here)."""
    return (request.client.host if request.client else "unknown")[:64]


def _locked_reply(request: Request, session: Session, until: datetime, username: str) -> Response:
    zone = clinic_context(session, request.app.state.settings).zone
    at = local_time(until, zone)
    assert at is not None
    response = render(
        request,
        "login.html",
        429,
        error=(
            "Too many wrong passwords: signing in with this name, or from this network, is "
            f"paused until {at:%H:%M} ({MINUTES} minutes after the last one). If you have "
            "forgotten your password, ask an approver to set a new one."
        ),
        username=username,
    )
    response.headers["Retry-After"] = str(max(1, int((until - request.state.now).total_seconds())))
    return response


def _begin(request: Request, session: Session) -> Response | None:
    """Unit of work 1: the attempt recorded (None), or the lock's reply."""
    now = request.state.now
    attempt_id, state = begin_attempt(session, request.state.account, client_address(request), now)
    if attempt_id is None:
        assert state.locked_until is not None
        return _locked_reply(request, session, state.locked_until, request.state.username)
    request.state.attempt_id = attempt_id
    request.state.delay = state.delay
    return None


def _check(request: Request, session: Session) -> Response:
    """Unit of work 2: the password checked (unless a lock started meanwhile)."""
    now, username = request.state.now, request.state.username
    account, address = request.state.account, client_address(request)
    attempt_id = request.state.attempt_id
    state = sign_in_state(session, account, address, now, exclude=attempt_id)
    if state.locked_until is not None:  # tries sent at the same moment reached the limit
        withdraw_attempt(session, attempt_id)
        return _locked_reply(request, session, state.locked_until, username)
    user = authenticate(session, username, request.state.password)
    finish_attempt(session, attempt_id, succeeded=user is not None)
    if user is None:
        known = find_staff(session, username)
        # The audit log is for staff: it names real accounts, and never records a name
        # that is not one (it may be a password typed in the wrong box).
        who = known.username if known is not None else "(a name with no account)"
        why = "account disabled" if known is not None and not known.active else "wrong password"
        audit(session, who, "sign_in_failed", None, f"{why}, from {address}")
        after = sign_in_state(session, account, address, now)
        if after.locked_until is not None:
            audit(
                session,
                who,
                "sign_in_locked",
                None,
                f"{_lock_reason(after.account_failures, after.address_failures, address)}: "
                f"paused for {MINUTES} minutes",
            )
            return _locked_reply(request, session, after.locked_until, username)
        left = after.tries_left
        warning = (
            f" After {left} more wrong {'try' if left == 1 else 'tries'}, signing in is "
            f"paused for {MINUTES} minutes."
            if left <= 2
            else ""
        )
        return render(request, "login.html", 401, error=WRONG + warning, username=username)
    audit(session, user.username, "sign_in")
    request.session.clear()  # a new session (and CSRF token) at each sign-in
    request.session["user"] = user.username
    request.session["epoch"] = user.session_epoch
    return RedirectResponse("/admin", status_code=303)


def _lock_reason(account_failures: int, address_failures: int, address: str) -> str:
    window = int(FAILURE_WINDOW.total_seconds() // 60)
    if account_failures >= ACCOUNT_FAILURES:
        return f"{account_failures} wrong passwords for this name in {window} minutes"
    return f"{address_failures} wrong passwords from {address} in {window} minutes"


def _sign_in_unit(work, request: Request) -> Response | None:  # type: ignore[no-untyped-def]
    with session_scope(database_url(request)) as session:
        return work(request, session)


async def login_page(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "login.html")
    form = await form_with_csrf(request)
    if form is None:
        return render(request, "login.html", 403, error="The page had expired; try again.")
    username = str(form.get("username") or "").strip()[:200]
    password = str(form.get("password") or "")
    if not username or not password:
        return render(request, "login.html", 401, error=WRONG, username=username)
    settings = request.app.state.settings
    request.state.username = username
    request.state.password = password
    request.state.account = account_key(session_secret(settings), username)
    request.state.now = request.app.state.clock()
    refused = await run_in_threadpool(_sign_in_unit, _begin, request)
    if refused is not None:
        return refused
    if request.state.delay:
        await request.app.state.sleep(request.state.delay)
    response = await run_in_threadpool(_sign_in_unit, _check, request)
    assert response is not None
    return response


@staff_page
def logout(request: Request, session: Session) -> Response:
    audit(session, actor(request), "sign_out")
    request.session.clear()
    return RedirectResponse("/admin/login", status_code=303)


routes = [
    Route("/admin/login", login_page, methods=["GET", "POST"], name="admin_login"),
    Route("/admin/logout", logout, methods=["POST"], name="admin_logout"),
]
