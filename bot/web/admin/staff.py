"""The staff accounts (``/admin/staff``, approvers only): add an account, disable or
enable one, set a new password, change a role.

The account functions are those of ``bot.web.auth`` (the CLI uses the same), so the
rules and the audit log are the same whichever way accounts are managed. In the browser
an approver cannot disable or demote their own account (they would lock themselves out
of this page mid-way); ``bot.web.auth`` also refuses to leave the clinic without an
active approver. Setting a password ends that person's open sessions and lifts the lock
on their name (``bot.web.throttle``), so it is also how a locked-out colleague gets in.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.clinic import clinic_context
from bot.db.faq_models import ROLES, StaffUser
from bot.web.admin.callbacks import local_time
from bot.web.admin.deps import actor, approver_page, flash, render, session_secret
from bot.web.auth import AccountError, add_staff, set_active, set_password, set_role
from bot.web.throttle import account_key, clear_failures

ACTIONS = ("disable", "enable", "password", "role")


def _page(request: Request, session: Session, status: int = 200, **context: object) -> Response:
    zone = clinic_context(session, request.app.state.settings).zone
    accounts = [
        {
            "user": u,
            "created": local_time(u.created_at, zone),
            "last": local_time(u.last_login_at, zone),
            "me": u.username == actor(request),
        }
        for u in session.execute(select(StaffUser).order_by(StaffUser.username)).scalars()
    ]
    return render(request, "staff.html", status, session, accounts=accounts, roles=ROLES, **context)


def _lift_lock(request: Request, session: Session, username: str) -> None:
    secret = session_secret(request.app.state.settings)
    clear_failures(session, account_key(secret, username), request.app.state.clock())


@approver_page
def staff_list(request: Request, session: Session) -> Response:
    if request.method == "GET":
        return _page(request, session)
    form = request.state.form
    username = str(form.get("username") or "").strip()
    role = str(form.get("role") or "")
    password = str(form.get("password") or "")
    if password != str(form.get("password_again") or ""):
        return _page(request, session, 422, error="The two passwords differ.", new=form)
    try:
        with session.begin_nested():
            add_staff(session, username, password, actor(request), role, create_only=True)
    except AccountError as exc:
        return _page(request, session, 422, error=str(exc), new=form)
    flash(
        request,
        f"Account {username} created ({role}). Give them the password in person or by "
        "phone, never by e-mail.",
    )
    return RedirectResponse("/admin/staff", status_code=303)


@approver_page
def staff_action(request: Request, session: Session) -> Response:
    username = request.path_params["name"]
    action = request.path_params["action"]
    form = request.state.form
    me = actor(request)
    if action not in ACTIONS:
        return render(request, "message.html", 404, session, message="Unknown action.")
    try:
        with session.begin_nested():
            if username == me and action in ("disable", "role"):
                raise AccountError(
                    "You cannot disable or change the role of your own account here: ask "
                    "another approver."
                )
            if action in ("disable", "enable"):
                set_active(session, username, action == "enable", me)
                done = (
                    f"{username} can sign in again."
                    if action == "enable"
                    else f"{username} is disabled: they cannot sign in, and any page they "
                    "have open is signed out."
                )
            elif action == "password":
                password = str(form.get("password") or "")
                if password != str(form.get("password_again") or ""):
                    raise AccountError("The two passwords differ.")
                set_password(session, username, password, me)
                _lift_lock(request, session, username)
                done = (
                    f"New password set for {username}; they are signed out everywhere and "
                    "can sign in with it now."
                )
            else:
                role = str(form.get("role") or "")
                set_role(session, username, role, me)
                done = f"{username} is now an {role}."
    except AccountError as exc:
        return _page(request, session, 422, error=str(exc))
    flash(request, done)
    return RedirectResponse("/admin/staff", status_code=303)


routes = [
    Route("/admin/staff", staff_list, methods=["GET", "POST"], name="admin_staff"),
    Route(
        "/admin/staff/{name}/{action:str}",
        staff_action,
        methods=["POST"],
        name="admin_staff_action",
    ),
]
