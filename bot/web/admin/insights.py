"""What patients found helpful, and what was not understood (``/admin/insights``); the
audit log (``/admin/audit``)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.clinic import clinic_context
from bot.content.repository import latest_version, topic_summaries
from bot.db.faq_models import AuditEntry
from bot.db.models import utc_now
from bot.insights.records import helpfulness_by_topic, unanswered_questions
from bot.web.admin.callbacks import local_time
from bot.web.admin.deps import render, staff_page

PERIODS = (7, 30, 90)  # days offered on the insights page
DEFAULT_PERIOD = 30


@staff_page
def insights_page(request: Request, session: Session) -> Response:
    try:
        days = int(request.query_params.get("days", DEFAULT_PERIOD))
    except ValueError:
        days = DEFAULT_PERIOD
    if days not in PERIODS:
        days = DEFAULT_PERIOD
    order = "frequent" if request.query_params.get("order") == "frequent" else "recent"
    since = utc_now() - timedelta(days=days)
    zone = clinic_context(session, request.app.state.settings).zone
    titles = {t.key: latest_version(t).title for t in topic_summaries(session)}
    topics = helpfulness_by_topic(session, since=since)
    questions = unanswered_questions(session, since=since, recent_first=order == "recent")
    return render(
        request,
        "insights.html",
        session=session,
        days=days,
        periods=PERIODS,
        order=order,
        topics=[{"votes": t, "title": titles.get(t.topic)} for t in topics],
        questions=[{"group": q, "last_seen": local_time(q.last_seen, zone)} for q in questions],
    )


@staff_page
def audit_log(request: Request, session: Session) -> Response:
    entries = (
        session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(300))
        .scalars()
        .all()
    )
    return render(request, "audit.html", session=session, entries=entries)


routes = [
    Route("/admin/insights", insights_page, name="admin_insights"),
    Route("/admin/audit", audit_log, name="admin_audit"),
]
