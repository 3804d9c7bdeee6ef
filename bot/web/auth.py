"""Staff accounts: argon2 password hashes, two roles, disabling, and signing in.

Accounts are created on the staff page (approvers) or with ``python -m bot staff add
NAME``; the first account is an approver (someone must be able to publish and to add
the others), later ones editors unless given ``--role approver``. Every change is
audited. An account cannot be left without an active approver: disabling or demoting
the last one is refused.

Signing in (``authenticate``) does the same work for an unknown name, a disabled account
and a wrong password, and the pages give them the same reply. The lock-out rule is in
``bot.web.throttle``.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.content.repository import audit
from bot.db.faq_models import APPROVER, EDITOR, ROLES, StaffUser
from bot.db.models import utc_now

MIN_PASSWORD_LENGTH = 10
_USERNAME_RE = re.compile(r"[A-Za-z0-9._@-]{2,80}")
_hasher = PasswordHasher()
# Verified when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")

__all__ = [
    "APPROVER",
    "EDITOR",
    "ROLES",
    "AccountError",
    "add_staff",
    "authenticate",
    "find_staff",
    "set_active",
    "set_password",
    "set_role",
    "signed_in_staff",
]


class AccountError(ValueError):
    """A staff account could not be created or changed; the message says why."""


def find_staff(session: Session, username: str) -> StaffUser | None:
    return session.execute(
        select(StaffUser).where(StaffUser.username == username)
    ).scalar_one_or_none()


def _account(session: Session, username: str) -> StaffUser:
    user = find_staff(session, username)
    if user is None:
        raise AccountError(f"There is no account called {username}.")
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"A role is {' or '.join(ROLES)}.")


def _keeps_an_approver(session: Session, user: StaffUser) -> None:
    """Refuse a change that would leave no active approver (nobody could publish, or
    manage the accounts, any more)."""
    others = session.execute(
        select(func.count(StaffUser.id)).where(
            StaffUser.role == APPROVER, StaffUser.active.is_(True), StaffUser.id != user.id
        )
    ).scalar_one()
    if not others:
        raise AccountError(
            f"{user.username} is the last active approver: make someone else an approver first."
        )


def add_staff(
    session: Session,
    username: str,
    password: str,
    actor: str,
    role: str | None = None,
    *,
    create_only: bool = False,
) -> StaffUser:
    """Create an account, or (unless ``create_only``) set the password of an existing
    one (and its role, when given). A new account's role defaults to approver for the
    first account and editor afterwards."""
    if not _USERNAME_RE.fullmatch(username):
        raise AccountError("A user name is 2 to 80 letters, digits or . _ @ -")
    _check_password(password)
    if role is not None:
        _check_role(role)
    existing = find_staff(session, username)
    if existing is not None:
        if create_only:
            raise AccountError(
                f"There is already an account called {username}: reset its password instead."
            )
        set_password(session, username, password, actor)
        if role is not None and role != existing.role:
            set_role(session, username, role, actor)
        return existing
    if role is None:
        anyone = session.execute(select(func.count(StaffUser.id))).scalar_one()
        role = EDITOR if anyone else APPROVER
    user = StaffUser(
        username=username, password_hash=_hasher.hash(password), active=True, role=role
    )
    session.add(user)
    audit(session, actor, "staff_add", None, f"account {username} created ({role})")
    session.flush()
    return user


def set_password(session: Session, username: str, password: str, actor: str) -> StaffUser:
    """A new password; the account's open sessions end (whoever knew the old one is out).
    A disabled account stays disabled."""
    _check_password(password)
    user = _account(session, username)
    user.password_hash = _hasher.hash(password)
    user.session_epoch += 1
    audit(session, actor, "staff_password", None, f"password set for {username}")
    return user


def set_active(session: Session, username: str, active: bool, actor: str) -> StaffUser:
    """Enable or disable an account. Disabled: it cannot sign in, and its open sessions
    end at their next page."""
    user = _account(session, username)
    if user.active == active:
        return user
    if not active and user.role == APPROVER:
        _keeps_an_approver(session, user)
    user.active = active
    if not active:
        user.session_epoch += 1
    audit(
        session,
        actor,
        "staff_enable" if active else "staff_disable",
        None,
        f"account {username} {'enabled' if active else 'disabled'}",
    )
    return user


def set_role(session: Session, username: str, role: str, actor: str) -> StaffUser:
    _check_role(role)
    user = _account(session, username)
    if user.role == role:
        return user
    if user.role == APPROVER and user.active:
        _keeps_an_approver(session, user)
    user.role = role
    audit(session, actor, "staff_role", None, f"{username} is now an {role}")
    return user


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The active account with this name and password, else None (same work either way)."""
    user = find_staff(session, username)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utc_now()
    return user


def signed_in_staff(session: Session, username: str, epoch: object) -> StaffUser | None:
    """The account a session cookie names, if it may still use the pages: it exists, is
    active, and its password was not set (nor the account disabled) since that sign-in."""
    user = find_staff(session, username)
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return user
