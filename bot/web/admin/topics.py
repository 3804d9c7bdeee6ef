"""The topics: list and search, edit with a chat preview, publish, take down, history
with diffs and rollback, export and import, and the live text check.

The content functions are those of ``bot.content.repository`` (the CLI uses the same), so
the validation and the audit log are the same whichever way staff work. A function that
refuses a change raises ``ContentError``; the page then rolls its unit of work back, so a
refused change leaves nothing half-saved.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.content.readability import reading_level_note
from bot.content.repository import (
    TopicDraft,
    audit,
    create_topic,
    export_topics,
    get_topic,
    import_topics,
    latest_version,
    live_version,
    publish,
    rollback,
    save_draft,
    take_down,
    topic_summaries,
    version_diff,
)
from bot.content.store import MAX_ANSWER_CHARS, ContentError, check_text, load_topics
from bot.db.faq_models import FaqVersion
from bot.web.admin.approval import ONLY_APPROVERS, ask_approval, publish_or_ask, review_of
from bot.web.admin.deps import actor, flash, is_approver, render, staff_page
from bot.web.admin.training import start_training_if_needed, training_view

MAX_IMPORT_BYTES = 2_000_000


def draft_from_form(form: dict, base: TopicDraft | None = None) -> TopicDraft:
    """The one mapping from the edit form to a draft (validated once, when saved)."""
    draft = base or TopicDraft(title="", answer="")
    draft.title = str(form.get("title", draft.title))
    draft.answer = str(form.get("answer", draft.answer)).replace("\r\n", "\n")
    more = str(form.get("more", draft.more or "")).replace("\r\n", "\n").strip()
    draft.more = more or None
    draft.question = str(form.get("question", draft.question or "")).strip() or None
    draft.topic = str(form.get("topic", draft.topic or "")).strip() or None
    draft.related = [r.strip() for r in str(form.get("related", "")).split(",") if r.strip()]
    draft.sources = [s.strip() for s in str(form.get("sources", "")).split(",") if s.strip()]
    draft.examples = [
        line.strip() for line in str(form.get("examples", "")).splitlines() if line.strip()
    ]
    return draft


def _draft_fields(draft: TopicDraft) -> dict:
    return {
        "draft": draft,
        "examples_text": "\n".join(draft.examples),
        "sources_text": ", ".join(draft.sources),
        "related_text": ", ".join(draft.related),
        "nav_topics": load_topics(),
    }


@staff_page
def dashboard(request: Request, session: Session) -> Response:
    search = request.query_params.get("q", "")[:100]
    rows = [
        {
            "key": t.key,
            "title": latest_version(t).title,
            "status": t.status,
            "live": t.live_version,
            "newest": latest_version(t).number,
            "answer": latest_version(t).answer,
            "updated": t.updated_at,
            "awaiting": t.review_version,
        }
        for t in topic_summaries(session, search)
    ]
    return render(
        request, "topics.html", session=session, topics=rows, q=search, **training_view(request)
    )


def _edit_context(session: Session, key: str) -> dict:
    topic = get_topic(session, key)
    v = latest_version(topic)
    draft = TopicDraft.of(v)
    return {
        "key": topic.key,
        "intent": topic.intent,
        "status": topic.status,
        "live": topic.live_version,
        "newest": v.number,
        **review_of(topic),
        **_draft_fields(draft),
    }


@staff_page
def edit_topic(request: Request, session: Session) -> Response:
    key = request.path_params["key"]
    try:
        context = _edit_context(session, key)
    except ContentError:
        return render(request, "message.html", 404, session, message="There is no such topic.")
    if request.method == "GET":
        return render(request, "edit.html", session=session, **context)

    form = request.state.form
    draft = draft_from_form(form, context["draft"])
    user = actor(request)
    try:
        with session.begin_nested():
            version = save_draft(session, key, draft, user, str(form.get("note") or "")[:200])
            result, asked = publish_or_ask(request, session, key, str(form.get("action") or ""))
    except ContentError as exc:
        context.update(_draft_fields(draft))
        return render(request, "edit.html", 422, session, error=str(exc), **context)
    if result is None:
        saved = f"Saved as version {version.number} (a draft: patients do not see it yet)."
        flash(request, asked or saved)
        return RedirectResponse(f"/admin/topics/{key}", status_code=303)

    def announce() -> None:  # once committed: the retrain must see the published examples
        training = start_training_if_needed(request, result.examples_changed)
        flash(
            request,
            f"Version {result.version} is live: patients get the new wording from their next"
            " message."
            + (
                " The new example questions are being taught to the assistant (see the"
                " progress on the topics page)."
                if training
                else ""
            ),
        )

    request.state.after_commit.append(announce)
    return RedirectResponse(f"/admin/topics/{key}", status_code=303)


@staff_page
def new_topic(request: Request, session: Session) -> Response:
    # ?example=...: a question patients asked that was not understood (insights page)
    example = " ".join(request.query_params.get("example", "").split())[:300]
    if request.method == "GET":
        empty = _draft_fields(TopicDraft(title="", answer=""))
        return render(request, "new.html", session=session, **{**empty, "examples_text": example})
    draft = draft_from_form(request.state.form)
    try:
        with session.begin_nested():
            key = create_topic(session, draft, actor(request))
    except ContentError as exc:
        return render(request, "new.html", 422, session, error=str(exc), **_draft_fields(draft))
    then = "publish it" if is_approver(request) else "ask for approval"
    flash(request, f"Topic created as a draft. Check the preview, then {then}.")
    return RedirectResponse(f"/admin/topics/{key}", status_code=303)


@staff_page
def topic_action(request: Request, session: Session) -> Response:
    key = request.path_params["key"]
    action = request.path_params["action"]
    user = actor(request)
    if action not in ("publish", "take-down", "rollback", "ask-approval"):
        return render(request, "message.html", 404, session, message="Unknown action.")
    if action == "ask-approval":
        return ask_approval(request, session, key)
    if action != "take-down" and not is_approver(request):
        flash(request, f"Not done: {ONLY_APPROVERS}", "error")
        return RedirectResponse(f"/admin/topics/{key}", status_code=303)
    try:
        with session.begin_nested():
            if action == "publish":
                result = publish(session, key, user)
            elif action == "take-down":
                take_down(session, key, user)
                result = None
            else:
                result = rollback(session, key, int(request.state.form.get("version", 0)), user)
    except (ContentError, ValueError) as exc:
        flash(request, f"Not done: {exc}", "error")
        return RedirectResponse(f"/admin/topics/{key}", status_code=303)
    if result is None:
        flash(request, "Taken down: patients asking about it are given the clinic's number.")
    else:

        def announce() -> None:  # once committed: the retrain must see the published examples
            training = start_training_if_needed(request, result.examples_changed)
            flash(
                request,
                f"Version {result.version} is live."
                + (" The assistant is being retrained for its questions." if training else ""),
            )

        request.state.after_commit.append(announce)
    return RedirectResponse(f"/admin/topics/{key}", status_code=303)


@staff_page
def history(request: Request, session: Session) -> Response:
    key = request.path_params["key"]
    try:
        topic = get_topic(session, key)
    except ContentError:
        return render(request, "message.html", 404, session, message="There is no such topic.")
    versions: list[FaqVersion] = list(topic.versions)
    entries = [
        {
            "number": v.number,
            "author": v.author,
            "at": v.created_at,
            "note": v.note,
            "live": topic.status == "published" and v.number == topic.live_version,
            "diff": version_diff(versions[i - 1] if i else None, v),
        }
        for i, v in enumerate(versions)
    ]
    live = live_version(topic)
    return render(
        request,
        "history.html",
        session=session,
        key=key,
        title=latest_version(topic).title,
        versions=list(reversed(entries)),
        live=live.number if live else None,
    )


@staff_page
def export(request: Request, session: Session) -> Response:
    text = export_topics(session)
    audit(session, actor(request), "export")
    return PlainTextResponse(
        text,
        media_type="application/x-yaml",
        headers={"Content-Disposition": 'attachment; filename="faq-topics.yml"'},
    )


@staff_page
def import_page(request: Request, session: Session) -> Response:
    if request.method == "GET":
        return render(request, "import.html", session=session)
    upload = request.state.form.get("file")
    data = upload.file.read(MAX_IMPORT_BYTES + 1) if hasattr(upload, "file") else b""
    if not data or len(data) > MAX_IMPORT_BYTES:
        return render(
            request, "import.html", 422, session, error="Choose an exported .yml file (< 2 MB)."
        )
    try:
        with session.begin_nested():
            report = import_topics(session, data.decode("utf-8", errors="replace"), actor(request))
    except ContentError as exc:
        return render(request, "import.html", 422, session, error=f"Nothing was imported. {exc}")
    flash(
        request,
        f"Imported as drafts: {len(report.created)} new, {len(report.changed)} changed, "
        f"{len(report.unchanged)} unchanged. Publish each to make it live.",
    )
    return RedirectResponse("/admin", status_code=303)


CHECKED_FIELDS = {"answer": "The answer", "more": 'The "tell me more" text'}


@staff_page
def check_api(request: Request, session: Session) -> Response:
    """Validate a text as it would be published, for the edit page's check while typing
    (``field``: ``answer`` or ``more``): ``ok`` and a message, and ``findings`` that do not
    stop publishing (the length, a reading level above the answers' target)."""
    form = request.state.form
    field = str(form.get("field") or "answer")
    text = str(form.get("text") or "")
    if field == "more" and not text.strip():
        return JSONResponse({"ok": True, "message": "Optional: empty is fine.", "findings": []})
    try:
        check_text(CHECKED_FIELDS.get(field, CHECKED_FIELDS["answer"]), text)
    except ContentError as exc:
        return JSONResponse({"ok": False, "message": str(exc), "findings": []})
    findings = [f"{len(text.strip())} of {MAX_ANSWER_CHARS} characters."]
    reading = reading_level_note(text)
    if reading:
        findings.append(reading)
    return JSONResponse(
        {"ok": True, "message": "No problem found in this text.", "findings": findings}
    )


routes = [
    Route("/admin", dashboard, name="admin"),
    Route("/admin/", dashboard),
    Route("/admin/topics/new", new_topic, methods=["GET", "POST"], name="admin_new"),
    Route("/admin/topics/{key}", edit_topic, methods=["GET", "POST"], name="admin_topic"),
    Route("/admin/topics/{key}/history", history, name="admin_history"),
    Route("/admin/topics/{key}/{action:str}", topic_action, methods=["POST"], name="admin_action"),
    Route("/admin/export", export, name="admin_export"),
    Route("/admin/import", import_page, methods=["GET", "POST"], name="admin_import"),
    Route("/admin/api/check", check_api, methods=["POST"], name="admin_api_check"),
]
