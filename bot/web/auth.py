"""Staff accounts: argon2 password hashes, created with ``python -m bot staff add NAME``."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.content.repository import audit
from bot.db.faq_models import StaffUser
from bot.db.models import utc_now

MIN_PASSWORD_LENGTH = 10
_USERNAME_RE = re.compile(r"[A-Za-z0-9._@-]{2,80}")
_hasher = PasswordHasher()
# Verified when the user name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


class AccountError(ValueError):
    """A staff account could not be created or changed; the message says why."""


def add_staff(session: Session, username: str, password: str, actor: str) -> StaffUser:
    if not _USERNAME_RE.fullmatch(username):
        raise AccountError("A user name is 2 to 80 letters, digits or . _ @ -")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    existing = session.execute(
        select(StaffUser).where(StaffUser.username == username)
    ).scalar_one_or_none()
    if existing is not None:
        existing.password_hash = _hasher.hash(password)
        existing.active = True
        audit(session, actor, "staff_password", None, f"password set for {username}")
        return existing
    user = StaffUser(username=username, password_hash=_hasher.hash(password), active=True)
    session.add(user)
    audit(session, actor, "staff_add", None, f"account {username} created")
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The active account with this name and password, else None (same work either way)."""
    user = session.execute(
        select(StaffUser).where(StaffUser.username == username)
    ).scalar_one_or_none()
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
