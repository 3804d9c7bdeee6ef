"""Trying a draft before it goes live, and throwing it away.

* ``POST /admin/api/topics/{key}/preview``: the edit page's draft preview chat. The
  question is classified by the running Rasa server (``POST /model/parse`` on the first of
  ``RASA_URLS`` that answers, with ``RASA_AUTH_TOKEN`` when set: the servers the retrain
  updates), and answered by ``bot.content.preview`` with the page's unsaved text in place
  of the entry's live one. Nothing is saved or recorded, and patients see nothing of it.
* ``POST /admin/topics/{key}/discard``: the saved draft versions after the live one are
  deleted (audited); the live text stays as it is.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.clinic import clinic_context
from bot.content.preview import preview_reply
from bot.content.repository import (
    TopicDraft,
    discard_draft,
    draft_entry,
    get_topic,
    latest_version,
    live_content,
)
from bot.content.store import ContentError
from bot.settings import Settings
from bot.training.retrain import rasa_urls
from bot.web.admin.deps import actor, flash, render, staff_page
from bot.web.admin.topics import draft_from_form

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 300  # what a patient's chat message is cut to elsewhere (insights)
PARSE_TIMEOUT = 15.0  # seconds; one parse takes well under one on a loaded server


def parse_question(settings: Settings, text: str) -> dict[str, Any] | None:
    """Rasa's NLU result for ``text`` (intent, ranking, entities), or None if no Rasa
    server answered. Only the error's class is logged: the text is not."""
    body = json.dumps({"text": text}).encode()
    for url in rasa_urls(settings):
        target = f"{url}/model/parse"
        if settings.rasa_auth_token:
            target += f"?token={urllib.parse.quote(settings.rasa_auth_token)}"
        request = urllib.request.Request(
            target, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=PARSE_TIMEOUT) as response:
                parsed = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as exc:
            logger.warning(
                "preview: no answer from the assistant at %s (%s)", url, type(exc).__name__
            )
            continue
        if isinstance(parsed, dict) and isinstance(parsed.get("intent"), dict):
            return parsed
    return None


def _refused(message: str, status_code: int) -> JSONResponse:
    return JSONResponse({"ok": False, "preview": True, "message": message}, status_code=status_code)


@staff_page
def preview_api(request: Request, session: Session) -> Response:
    key = request.path_params["key"]
    form = request.state.form
    question = " ".join(str(form.get("message") or "").split())
    if not question:
        return _refused("Type a question to try, as a patient would ask it.", 422)
    if len(question) > MAX_QUESTION_CHARS:
        return _refused(
            f"Keep the question under {MAX_QUESTION_CHARS} characters, as a chat message.", 422
        )
    try:
        topic = get_topic(session, key)
    except ContentError:
        return _refused("There is no such topic.", 404)
    # The whole edit form comes with the question: the draft is the page as it is now,
    # saved or not.
    draft = draft_from_form(form, TopicDraft.of(latest_version(topic)))
    try:
        entry = draft_entry(key, draft)
    except ContentError as exc:
        return _refused(f"The draft cannot be tried yet. {exc}", 422)
    settings = request.app.state.settings
    parsed = parse_question(settings, question)
    if parsed is None:
        return _refused(
            "The assistant cannot be reached just now, so the question could not be tried. "
            "Your text is still on this page: save it as a draft and try again later.",
            503,
        )
    values = {"clinic_phone": clinic_context(session, settings).phone}
    return JSONResponse(preview_reply(live_content(session), entry, parsed, values).as_json())


@staff_page
def discard_page(request: Request, session: Session) -> Response:
    key = request.path_params["key"]
    try:
        get_topic(session, key)
    except ContentError:
        return render(request, "message.html", 404, session, message="There is no such topic.")
    try:
        with session.begin_nested():
            numbers = discard_draft(session, key, actor(request))
    except ContentError as exc:
        flash(request, f"Not done: {exc}", "error")
        return RedirectResponse(f"/admin/topics/{key}", status_code=303)
    which = ", ".join(map(str, numbers))
    flash(
        request,
        f"Draft discarded (version{'s' if len(numbers) > 1 else ''} {which}). "
        "The page shows the live text again; what patients get has not changed.",
    )
    return RedirectResponse(f"/admin/topics/{key}", status_code=303)


routes = [
    Route(
        "/admin/api/topics/{key}/preview", preview_api, methods=["POST"], name="admin_api_preview"
    ),
    Route("/admin/topics/{key}/discard", discard_page, methods=["POST"], name="admin_discard"),
]
