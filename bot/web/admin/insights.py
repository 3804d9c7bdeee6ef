"""What patients found helpful, and what was not understood (``/admin/insights``, 50
questions a page; one click teaches an entry a question, or dismisses a junk one); the
audit log (``/admin/audit``).

*Add as an example* publishes at once for an approver; an editor's is saved as a draft
awaiting approval (the example decides which answer a question gets). The audit log
names people and entries: topic titles rather than keys, ``cli:alice`` as "alice (from
a terminal)".
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.clinic import clinic_context
from bot.content.repository import (
    LEGACY_PREFIX,
    add_example,
    audit,
    latest_version,
    suggest_example,
    topic_summaries,
)
from bot.content.store import ContentError
from bot.db.faq_models import AuditEntry, FaqTopic
from bot.db.models import utc_now
from bot.insights.records import (
    dismiss_unanswered,
    helpfulness_by_topic,
    unanswered_group_count,
    unanswered_questions,
)
from bot.web.admin.callbacks import local_time
from bot.web.admin.deps import actor, flash, is_approver, render, staff_page
from bot.web.admin.training import start_training_if_needed

PERIODS = (7, 30, 90)  # days offered on the insights page
DEFAULT_PERIOD = 30
PAGE_SIZE = 50  # questions per page
MAX_PAGE = 10_000  # a page number from the address is clamped, never trusted


def _view(source) -> tuple[int, str, int]:  # type: ignore[no-untyped-def]
    """(days, order, page) from the query string or a form; odd values fall back to the
    defaults rather than failing."""
    try:
        days = int(source.get("days", DEFAULT_PERIOD))
    except (TypeError, ValueError):
        days = DEFAULT_PERIOD
    if days not in PERIODS:
        days = DEFAULT_PERIOD
    order = "frequent" if source.get("order") == "frequent" else "recent"
    try:
        page = max(1, min(int(source.get("page", 1)), MAX_PAGE))
    except (TypeError, ValueError):
        page = 1
    return days, order, page


def _back(days: int, order: str, page: int) -> str:
    return f"/admin/insights?{urlencode({'days': days, 'order': order, 'page': page})}"


@staff_page
def insights_page(request: Request, session: Session) -> Response:
    days, order, page = _view(request.query_params)
    since = utc_now() - timedelta(days=days)
    zone = clinic_context(session, request.app.state.settings).zone
    titles = {
        t.key: latest_version(t).title
        for t in topic_summaries(session)
        if not t.key.startswith(LEGACY_PREFIX)
    }
    topics = helpfulness_by_topic(session, since=since)
    total = unanswered_group_count(session, since=since)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)  # past the end (after dismissing the last ones): the last page
    questions = unanswered_questions(
        session,
        since=since,
        recent_first=order == "recent",
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return render(
        request,
        "insights.html",
        session=session,
        days=days,
        periods=PERIODS,
        order=order,
        page=page,
        pages=pages,
        page_size=PAGE_SIZE,
        total=total,
        first=(page - 1) * PAGE_SIZE + 1,
        last=(page - 1) * PAGE_SIZE + len(questions),
        topics=[{"votes": t, "title": titles.get(t.topic)} for t in topics],
        questions=[
            {
                "group": q,
                "last_seen": local_time(q.last_seen, zone),
                # the entry suggested for "add as an example": the likeliest candidate
                "suggested": next((c for c in q.candidates if c in titles), None),
            }
            for q in questions
        ],
        entries=titles,
    )


@staff_page
def add_example_page(request: Request, session: Session) -> Response:
    """One click on the insights page: the question becomes an example of the entry staff
    picked (published, so the background retrain learns it)."""
    form = request.state.form
    text = " ".join(str(form.get("text") or "").split())[:200]
    key = str(form.get("key") or "")
    back = _back(*_view(form))
    try:
        with session.begin_nested():
            if not is_approver(request):
                version = suggest_example(session, key, text, actor(request))
                flash(
                    request,
                    f'Added "{text}" as an example question in version {version.number}, '
                    "awaiting approval: the assistant learns it once an approver publishes it.",
                )
                return RedirectResponse(back, status_code=303)
            result = add_example(session, key, text, actor(request))
    except ContentError as exc:
        flash(request, f"Not added: {exc}")
        return RedirectResponse(back, status_code=303)

    def announce() -> None:  # once committed: the retrain must see the new example
        training = start_training_if_needed(request, result.examples_changed)
        flash(
            request,
            f'Added "{text}" as an example question (version {result.version} is live).'
            + (" The assistant is learning it now." if training else ""),
        )

    request.state.after_commit.append(announce)
    return RedirectResponse(back, status_code=303)


@staff_page
def dismiss_page(request: Request, session: Session) -> Response:
    """One click on the insights page: a junk question ("asdf", a test message) is
    deleted, every time it was asked. The audit log counts the rows, without their text:
    it is what a patient typed."""
    form = request.state.form
    text = str(form.get("text") or "")
    back = _back(*_view(form))
    removed = dismiss_unanswered(session, text) if text.strip() else 0
    if not removed:
        flash(request, "Nothing to remove: that question is no longer listed.")
        return RedirectResponse(back, status_code=303)
    audit(
        session,
        actor(request),
        "dismiss_question",
        None,
        f"{removed} stored message{'s' if removed > 1 else ''} removed from the insights",
    )
    flash(request, f"Removed from the list ({removed} time{'s' if removed > 1 else ''} asked).")
    return RedirectResponse(back, status_code=303)


# Actors that are not a person's account name (bot.content.cli, bot.content.repository).
CLI_PREFIX = "cli:"
SYSTEM_ACTORS = {"seed": "set-up (first content)", "?": "unknown", "": "unknown"}


def actor_label(name: str) -> str:
    """Who did it, in words: an account name as it is, a terminal user as such."""
    if name.startswith(CLI_PREFIX):
        return f"{name[len(CLI_PREFIX) :]} (from a terminal)"
    return SYSTEM_ACTORS.get(name, name)


@staff_page
def audit_log(request: Request, session: Session) -> Response:
    rows = (
        session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(300))
        .scalars()
        .all()
    )
    keys = {e.topic_key for e in rows if e.topic_key}
    topics = session.execute(select(FaqTopic).where(FaqTopic.key.in_(keys))).scalars()
    titles = {t.key: latest_version(t).title for t in topics}
    entries = [
        {
            "at": e.at,
            "actor": actor_label(e.actor),
            "action": e.action.replace("_", " "),
            "topic_key": e.topic_key if e.topic_key in titles else None,
            # an entry deleted since (none are, today) is still named by its key
            "topic": titles.get(e.topic_key or "", e.topic_key),
            "detail": e.detail,
        }
        for e in rows
    ]
    return render(request, "audit.html", session=session, entries=entries)


routes = [
    Route("/admin/insights", insights_page, name="admin_insights"),
    Route(
        "/admin/insights/add-example",
        add_example_page,
        methods=["POST"],
        name="admin_add_example",
    ),
    Route("/admin/insights/dismiss", dismiss_page, methods=["POST"], name="admin_dismiss_question"),
    Route("/admin/audit", audit_log, name="admin_audit"),
]
