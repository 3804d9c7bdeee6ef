"""The staff admin pages (``/admin``), one module per page group:

* ``account``: sign in and out;
* ``topics``: list and search, edit with a chat preview, publish, take down, history with
  diffs and rollback, export and import, the live text check;
* ``drafts``: the draft preview chat (the draft's text, chosen by the live assistant's
  NLU), and discarding a draft;
* ``training``: the background retrain's progress, and starting it;
* ``callbacks``: the call-back inbox;
* ``clinic``: the clinic's phone number and opening times;
* ``insights``: what patients found helpful or was not understood, and the audit log;
* ``staff``: the staff accounts (approvers only);
* ``deps``: what they share (sign-in and CSRF checks, one database session per request,
  rendering).

Every page and API answers only to a signed-in staff member (others are sent to the
sign-in page; ``/admin/api/...`` answers 401). Editors save drafts and ask for approval;
approvers also publish and manage the accounts (``bot.web.auth``).
"""

from __future__ import annotations

from bot.web.admin import (
    account,
    callbacks,
    clinic,
    drafts,
    insights,
    staff,
    topics,
    training,
)
from bot.web.admin.deps import add_session_middleware

routes = [
    *account.routes,
    # before topics: its /admin/topics/{key}/{action} would take .../discard
    *drafts.routes,
    *topics.routes,
    *training.routes,
    *callbacks.routes,
    *clinic.routes,
    *insights.routes,
    *staff.routes,
]

__all__ = ["add_session_middleware", "routes"]
