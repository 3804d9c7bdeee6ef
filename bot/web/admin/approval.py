"""The approval step of the topic pages: who may make a version live.

Approvers publish (the edit page's *Save and publish*, *Publish version N*, rollback).
An editor's *Save and ask for approval* saves the draft and marks it "awaiting approval"
(``bot.content.repository.request_approval``); an approver then publishes it, and the
audit log has both steps, each with its person. An editor's request to publish (an old
page, or a hand-made form) is taken as asking for approval, never as publishing. Taking
an answer down is open to editors too: it only ever replaces an answer with the clinic's
number, and a wrong answer should not wait for an approver to be found.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.content.repository import PublishResult, publish, request_approval
from bot.content.store import ContentError
from bot.db.faq_models import FaqTopic
from bot.web.admin.deps import actor, flash, is_approver

ONLY_APPROVERS = (
    'Only an approver can make a version live: use "Ask for approval", and an '
    "approver publishes it."
)


def publish_or_ask(
    request: Request, session: Session, key: str, action: str
) -> tuple[PublishResult | None, str | None]:
    """The edit form's publish step, by role: (what was published, or the message that
    the draft awaits approval). Nothing for a plain *Save as draft*."""
    if action == "publish" and is_approver(request):
        return publish(session, key, actor(request)), None
    if action in ("publish", "ask"):
        version = request_approval(session, key, actor(request))
        return None, (
            f"Saved as version {version.number}, awaiting approval: patients get it once an "
            "approver publishes it."
        )
    return None, None


def ask_approval(request: Request, session: Session, key: str) -> Response:
    """*Ask for approval* of the newest version (a new topic, an import, a saved draft)."""
    try:
        with session.begin_nested():
            version = request_approval(session, key, actor(request))
    except ContentError as exc:
        flash(request, f"Not done: {exc}", "error")
    else:
        flash(request, f"Version {version.number} is awaiting approval.")
    return RedirectResponse(f"/admin/topics/{key}", status_code=303)


def review_of(topic: FaqTopic) -> dict:
    """What the edit page shows of a pending request."""
    return {
        "review_version": topic.review_version,
        "review_by": topic.review_requested_by,
        "review_at": topic.review_requested_at,
    }
