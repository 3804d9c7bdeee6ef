"""Sign-in protection: wrong passwords are slowed down, then locked out for a while.

Counted two ways, each with its own limit:

* per **account name** (as typed, whether or not such an account exists, so that the
  replies never tell a real name from an invented one): someone guessing one person's
  password;
* per **address** (the browser's IP address, as uvicorn reports it behind the proxy):
  someone trying many names from one place.

The last ``SLOWED_TRIES`` tries before a lock wait before the password is checked
(1, 2, then 4 seconds); a name or address that reaches its limit within
``FAILURE_WINDOW`` is locked for ``LOCK_TIME`` after the failure that reached it. While
locked, passwords are not checked at all (and those tries are not counted, so a lock
ends on time even if the guessing goes on). A successful sign-in, or an approver setting
the password, clears the name's count (not the address's: an attacker with one account
could otherwise reset it between guesses at others).

The attempts are rows of ``staff_sign_in_attempts``, so every web process (production
runs several) sees the same counts. Each attempt is written, and committed, *before* its
password is checked, as ``checking`` (counted as a failure), and the lock is checked
again after that: tries sent at the same moment to several processes cannot all slip
under the limit.

The clock is passed in (``now``): the pages use ``app.state.clock``, which tests replace.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.db.faq_models import SignInAttempt

# Five wrong passwords for one name in 15 minutes: room for a few honest slips (caps
# lock, last month's password) and far too few to guess a 10-character password. The
# 15-minute lock keeps guessing to at most 10 tries an hour per name, while a nurse who
# really forgot waits a coffee break (or asks an approver to reset the password, which
# lifts the name's lock at once).
ACCOUNT_FAILURES = 5
# From one address, 20: the clinic's staff usually share one public address, and one
# person's slips must not lock out everyone else; an attacker trying many names from one
# place is still stopped after 20.
ADDRESS_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_TIME = timedelta(minutes=15)
# The last three tries before a lock wait FIRST_DELAY, then twice as long each time
# (1, 2, 4 s): a slip costs a second; a script is slowed before the lock even starts.
SLOWED_TRIES = 3
FIRST_DELAY = 1.0
# Attempts are kept a day (enough for any window above; nothing to keep them longer for:
# the audit log keeps the story).
KEEP_ATTEMPTS = timedelta(days=1)

CHECKING = "checking"
FAILED = "failed"
OK = "ok"
CLEARED = "cleared"


def account_key(secret: str, username: str) -> str:
    """The name as stored in ``staff_sign_in_attempts``: a keyed hash, lower case."""
    name = " ".join(username.split()).casefold()
    return hmac.new(secret.encode(), name.encode(), hashlib.sha256).hexdigest()


def lock_end(failures: list[datetime], limit: int) -> datetime | None:
    """When the lock these failure times (oldest first) impose ends; None if none does.

    A lock starts at any failure that is the ``limit``-th within ``FAILURE_WINDOW``.
    """
    end: datetime | None = None
    for i in range(limit - 1, len(failures)):
        if failures[i] - failures[i - limit + 1] <= FAILURE_WINDOW:
            candidate = failures[i] + LOCK_TIME
            end = candidate if end is None or candidate > end else end
    return end


def delay_for(failures: int, limit: int) -> float:
    """Seconds to wait before checking a password after ``failures`` recent ones."""
    slowed = failures - (limit - SLOWED_TRIES)
    return 0.0 if slowed < 0 else FIRST_DELAY * 2**slowed


@dataclass(frozen=True)
class SignInState:
    """What the counts say about one name from one address, now."""

    locked_until: datetime | None  # a lock in force (None: not locked)
    account_failures: int  # recent failures of the name (in FAILURE_WINDOW)
    address_failures: int

    @property
    def delay(self) -> float:
        return max(
            delay_for(self.account_failures, ACCOUNT_FAILURES),
            delay_for(self.address_failures, ADDRESS_FAILURES),
        )

    @property
    def tries_left(self) -> int:
        """Wrong passwords still possible before a lock."""
        return max(
            0,
            min(
                ACCOUNT_FAILURES - self.account_failures,
                ADDRESS_FAILURES - self.address_failures,
            ),
        )


def _failure_times(session: Session, condition, exclude: int | None) -> list[datetime]:  # type: ignore[no-untyped-def]
    query = select(SignInAttempt.at).where(condition, SignInAttempt.outcome.in_((CHECKING, FAILED)))
    if exclude is not None:
        query = query.where(SignInAttempt.id != exclude)
    return list(session.execute(query.order_by(SignInAttempt.at, SignInAttempt.id)).scalars())


def sign_in_state(
    session: Session, account: str, address: str, now: datetime, exclude: int | None = None
) -> SignInState:
    """The lock and the recent failures of ``account`` (a key) and ``address``."""
    horizon = now - FAILURE_WINDOW - LOCK_TIME
    # The name's count starts again after its last success or password reset (by row
    # order, not time: two attempts can share a timestamp).
    last_clear = session.execute(
        select(func.max(SignInAttempt.id)).where(
            SignInAttempt.account == account, SignInAttempt.outcome.in_((OK, CLEARED))
        )
    ).scalar_one()
    by_account = _failure_times(
        session,
        (SignInAttempt.account == account)
        & (SignInAttempt.at > horizon)
        & (SignInAttempt.id > (last_clear or 0)),
        exclude,
    )
    by_address = _failure_times(
        session, (SignInAttempt.address == address) & (SignInAttempt.at > horizon), exclude
    )
    ends = [
        end
        for end in (
            lock_end(by_account, ACCOUNT_FAILURES),
            lock_end(by_address, ADDRESS_FAILURES),
        )
        if end is not None and end > now
    ]
    recent = now - FAILURE_WINDOW
    return SignInState(
        locked_until=max(ends) if ends else None,
        account_failures=sum(1 for t in by_account if t > recent),
        address_failures=sum(1 for t in by_address if t > recent),
    )


def begin_attempt(
    session: Session, account: str, address: str, now: datetime
) -> tuple[int | None, SignInState]:
    """Record an attempt about to be checked: (its row id, the state before it). The id is
    None when a lock is in force (nothing recorded; the password must not be checked)."""
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - KEEP_ATTEMPTS))
    state = sign_in_state(session, account, address, now)
    if state.locked_until is not None:
        return None, state
    row = SignInAttempt(at=now, account=account, address=address, outcome=CHECKING)
    session.add(row)
    session.flush()
    return row.id, state


def finish_attempt(session: Session, attempt_id: int, succeeded: bool) -> None:
    row = session.get(SignInAttempt, attempt_id)
    if row is not None:
        row.outcome = OK if succeeded else FAILED


def withdraw_attempt(session: Session, attempt_id: int) -> None:
    """Forget an attempt refused unchecked (a lock started meanwhile): it was no guess."""
    session.execute(delete(SignInAttempt).where(SignInAttempt.id == attempt_id))


def clear_failures(session: Session, account: str, now: datetime) -> None:
    """Earlier failures of this name no longer count (its password was just set)."""
    session.add(SignInAttempt(at=now, account=account, address="", outcome=CLEARED))
