"""Retraining from the staff pages: its progress, and starting it."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.training.retrain import ACTIVE, STAGE_WORDS, latest_job, model_state
from bot.web.admin.deps import actor, flash, retrainer, staff_page

logger = logging.getLogger(__name__)


def training_view(request: Request) -> dict:
    settings = request.app.state.settings
    job = latest_job(settings)
    try:
        state = model_state(settings)
        up_to_date: bool | None = state.up_to_date
        reachable = any(r is not None for r in state.running)
    except Exception as exc:
        logger.error("could not check the model state: %s", type(exc).__name__)
        up_to_date, reachable = None, False
    return {
        "job": job,
        "active": job is not None and job.status in ACTIVE,
        "up_to_date": up_to_date,
        "reachable": reachable,
        "stage_words": STAGE_WORDS,
    }


def start_training_if_needed(request: Request, examples_changed: bool) -> bool:
    """Retrain in the background when published example questions changed the model's
    inputs. True if a retrain was started."""
    settings = request.app.state.settings
    if not examples_changed:
        return False
    try:
        if model_state(settings).up_to_date:
            return False
    except Exception as exc:  # the publish worked; say so even if the check failed
        logger.error("could not check the model state: %s", type(exc).__name__)
    retrainer(request).request(actor(request))
    return True


@staff_page
def retrain_now(request: Request, session: Session) -> Response:
    retrainer(request).request(actor(request))
    flash(request, "Updating the assistant: the progress is shown below.")
    return RedirectResponse("/admin", status_code=303)


@staff_page
def training_status(request: Request, session: Session) -> Response:
    view = training_view(request)
    job = view["job"]
    return JSONResponse(
        {
            "active": view["active"],
            "up_to_date": view["up_to_date"],
            "job": None
            if job is None
            else {
                "id": job.id,
                "status": job.status,
                "message": job.message,
                "started_by": job.started_by,
            },
        }
    )


routes = [
    Route("/admin/retrain", retrain_now, methods=["POST"], name="admin_retrain"),
    Route("/admin/api/training", training_status, name="admin_api_training"),
]
