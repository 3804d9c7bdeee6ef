"""The call-back inbox (``/admin/callbacks``): open requests, newest first; mark done."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.clinic import clinic_context
from bot.content.repository import audit
from bot.handoff.callbacks import callback_inbox, get_callback, mark_done
from bot.handoff.opening_hours import is_open
from bot.web.admin.deps import actor, flash, render, staff_page


def local_time(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored (naive UTC) time in the clinic's time zone."""
    return None if moment is None else moment.replace(tzinfo=timezone.utc).astimezone(zone)


@staff_page
def callbacks_page(request: Request, session: Session) -> Response:
    show_done = request.query_params.get("show") == "all"
    clinic = clinic_context(session, request.app.state.settings)
    rows = []
    for item in callback_inbox(session, include_done=show_done):
        created = local_time(item.created_at, clinic.zone)
        rows.append(
            {
                "item": item,
                "created": created,
                "done_at": local_time(item.done_at, clinic.zone),
                # Judged with today's opening hours: a past change of hours is not kept.
                "outside_hours": created is not None and not is_open(clinic.schedule, created),
            }
        )
    return render(request, "callbacks.html", session=session, requests=rows, show_done=show_done)


@staff_page
def callback_done(request: Request, session: Session) -> Response:
    request_id = request.path_params["id"]
    user = actor(request)
    back = "/admin/callbacks?show=all" if request.state.form.get("show") == "all" else None
    before = get_callback(session, request_id)
    if before is None:
        return render(
            request, "message.html", 404, session, message="There is no such call-back request."
        )
    if before.done:
        flash(request, f"Already marked done by {before.done_by or 'someone'}.")
    else:
        mark_done(session, request_id, by=user)
        # The audit log names the request, never the patient.
        audit(session, user, "callback_done", detail=f"call-back request {request_id}")
        flash(request, f"Call-back request {request_id} marked done.")
    return RedirectResponse(back or "/admin/callbacks", status_code=303)


routes = [
    Route("/admin/callbacks", callbacks_page, name="admin_callbacks"),
    Route(
        "/admin/callbacks/{id:int}/done",
        callback_done,
        methods=["POST"],
        name="admin_callback_done",
    ),
]
