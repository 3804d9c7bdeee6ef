"""The clinic's details (``/admin/clinic``): the phone number and opening times patients
are given, as staff set them in the clinic settings row.

The page shows what patients will read (the handoff offer, with the number and the hours
in words) for the saved details, and for the typed ones before saving (*Preview*). A field
the environment pins (``CLINIC_PHONE``, ``CLINIC_OPENING_HOURS``) is shown read-only with
the variable's name: the server's configuration wins (``bot.clinic``), so a value typed
here would never be used. Each change goes in the audit log ("clinic settings", before and
after: these are the clinic's details, never a patient's).
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.clinic import (
    Clinic,
    ClinicDetails,
    check_details,
    details_of,
    locked_fields,
    resolve,
    save_details,
    with_details,
)
from bot.content.repository import audit
from bot.db.models import load_clinic_settings
from bot.handoff.callbacks import contact_of, offer_text
from bot.web.admin.deps import actor, flash, render, staff_page

# Which environment variable pins each field (README, "Configuration").
PINNED_BY = {
    "phone": "CLINIC_PHONE",
    "opening_schedule": "CLINIC_OPENING_HOURS",
    "opening_hours": "CLINIC_OPENING_HOURS",
    "timezone": "CLINIC_TIMEZONE",
}
LABELS = {
    "phone": "phone number",
    "opening_schedule": "opening times",
    "opening_hours": "opening times in words",
}


def patients_see(clinic: Clinic) -> list[tuple[str, bool]]:
    """The handoff offer as patients read it, cut into (text, bold) pieces: the template
    shows the pieces as text, so nothing staff typed becomes HTML."""
    pieces = offer_text(contact_of(clinic)).split("**")
    return [(piece, index % 2 == 1) for index, piece in enumerate(pieces) if piece]


def _page(
    request: Request,
    session: Session,
    values: ClinicDetails,
    shown: Clinic,
    locked: frozenset[str],
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    previewing: bool = False,
) -> Response:
    errors = errors or {}
    return render(
        request,
        "clinic.html",
        status_code,
        session,
        values=values,
        shown=shown,
        sample=patients_see(shown),
        locked=locked,
        pinned_by=PINNED_BY,
        timezone_pinned="timezone" in shown.pinned,
        # What a pinned field shows: the environment's value, as the server uses it.
        environment={
            "phone": shown.phone,
            "opening_schedule": request.app.state.settings.clinic_opening_hours or "",
            "opening_hours": shown.hours_text,
        },
        errors=errors,
        # The banner says that nothing was saved; each field says what is wrong with it.
        error="Please correct what is marked below." if errors else None,
        previewing=previewing,
    )


@staff_page
def clinic_page(request: Request, session: Session) -> Response:
    settings = request.app.state.settings
    row = load_clinic_settings(session)
    current = resolve(settings, row)
    locked = locked_fields(current)
    if request.method == "GET":
        return _page(request, session, details_of(row), current, locked)

    form = request.state.form
    details, errors = check_details(form, details_of(row), locked, settings.phone_region)
    if errors:
        return _page(request, session, details, current, locked, 400, errors)
    if form.get("action") == "preview":
        shown = resolve(settings, with_details(row, details))
        return _page(request, session, details, shown, locked, previewing=True)

    changes = save_details(session, details, locked)
    if not changes:
        flash(request, "Nothing changed.")
    else:
        audit(
            session,
            actor(request),
            "clinic_settings",
            detail="; ".join(
                f"{LABELS[name]}: {before!r} to {after!r}"
                for name, (before, after) in changes.items()
            ),
        )
        flash(request, "Saved. Patients are given the new details from their next message.")
    return RedirectResponse("/admin/clinic", status_code=303)


routes = [Route("/admin/clinic", clinic_page, methods=["GET", "POST"], name="admin_clinic")]
