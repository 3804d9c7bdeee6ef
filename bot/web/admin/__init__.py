"""The staff admin pages (``/admin``): sign in, list and search topics, edit with a chat
preview, publish, history with diffs and rollback, audit log, export and import; the
call-back inbox (``/admin/callbacks``) and what patients found helpful or did not get
understood (``/admin/insights``).

Every page and API answers only to a signed-in staff member (others are sent to the
sign-in page; ``/admin/api/...`` answers 401). Sessions are Starlette's signed cookie
(``SessionMiddleware``, secret ``ADMIN_SESSION_SECRET`` or one generated into
``var/admin-session-secret``), ``SameSite=Strict``, 8 hours. Every form carries the
session's CSRF token, checked on every POST. The content functions are those of
``bot.content.repository`` (the CLI uses the same), so the validation and the audit log
are the same whichever way staff work.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

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
from bot.content.store import ContentError
from bot.db.faq_models import AuditEntry, FaqVersion
from bot.db.models import load_clinic_settings, utc_now
from bot.db.session import session_scope
from bot.handoff.callbacks import callback_inbox, get_callback, mark_done, open_callback_count
from bot.handoff.opening_hours import Schedule, clinic_zone, current_schedule, is_open
from bot.insights.records import helpfulness_by_topic, unanswered_questions
from bot.settings import Settings
from bot.training.retrain import ACTIVE, STAGE_WORDS, Retrainer, latest_job, model_state
from bot.web.auth import authenticate

logger = logging.getLogger(__name__)

SESSION_COOKIE = "clinic_admin"
SESSION_HOURS = 8
MAX_IMPORT_BYTES = 2_000_000

Handler = Callable[[Request], Awaitable[Response]]


def session_secret(settings: Settings) -> str:
    """``ADMIN_SESSION_SECRET``, or a random one kept in ``var/`` (development default)."""
    configured = os.environ.get("ADMIN_SESSION_SECRET", "").strip()
    if configured:
        return configured
    path = settings.var_dir / "admin-session-secret"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def add_session_middleware(app, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        path="/admin",
        same_site="strict",
        https_only=os.environ.get("ADMIN_COOKIE_SECURE", "").lower() in ("1", "true", "yes"),
    )


# --- helpers ----------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def form_with_csrf(request: Request) -> dict | None:
    """The POSTed form, or None if its CSRF token is missing or wrong."""
    form = await request.form()
    sent = str(form.get("csrf_token") or "")
    expected = request.session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        return None
    return dict(form)


def _url(request: Request) -> str:
    return request.app.state.settings.database_url


def user_of(request: Request) -> str | None:
    return request.session.get("user")


def staff_only(handler: Handler) -> Handler:
    async def guarded(request: Request) -> Response:
        if not user_of(request):
            if request.url.path.startswith("/admin/api/"):
                return JSONResponse({"error": "sign in first"}, status_code=401)
            return RedirectResponse("/admin/login", status_code=303)
        if request.method == "POST":
            form = await form_with_csrf(request)
            if form is None:
                return PlainTextResponse(
                    "This form has expired. Go back, reload the page and try again.",
                    status_code=403,
                )
            request.state.form = form
        return await handler(request)

    guarded.__name__ = handler.__name__
    return guarded


def render(request: Request, template: str, status_code: int = 200, **context: object) -> Response:
    from bot.web.pages import content_security_policy, rasa_url_for
    from bot.web.widget import snippet

    settings = request.app.state.settings
    user = user_of(request)
    # The edit pages load the chat widget: its renderer draws the preview, and its
    # launcher lets staff try the live assistant.
    widget_tag = snippet(
        str(request.url_for("widget_js")),
        {"server": rasa_url_for(request), "phone": settings.clinic_phone},
    )
    response = request.app.state.templates.TemplateResponse(
        request,
        f"admin/{template}",
        {
            "user": user,
            "open_callbacks": _open_callbacks(request) if user else None,
            "csrf": csrf_token(request),
            "clinic_name": settings.clinic_name,
            "clinic_phone": settings.clinic_phone,
            "flash": request.session.pop("flash", None),
            "widget_tag": widget_tag,
            **context,
        },
        status_code=status_code,
    )
    response.headers["Content-Security-Policy"] = content_security_policy(rasa_url_for(request))
    response.headers["Cache-Control"] = "no-store"
    return response


def _open_callbacks(request: Request) -> int | None:
    """The number of open call-back requests for the navigation (None if unknown)."""
    try:
        with session_scope(_url(request)) as session:
            return open_callback_count(session)
    except Exception as exc:  # the page itself still shows
        logger.error("could not count the call-back requests: %s", type(exc).__name__)
        return None


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


def retrainer(request: Request) -> Retrainer:
    return request.app.state.retrainer


def _draft_from_form(form: dict, base: TopicDraft | None = None) -> TopicDraft:
    draft = base or TopicDraft(title="", answer="")
    draft.title = str(form.get("title", draft.title))
    draft.answer = str(form.get("answer", draft.answer)).replace("\r\n", "\n")
    more = str(form.get("more", draft.more or "")).replace("\r\n", "\n").strip()
    draft.more = more or None
    draft.sources = [s.strip() for s in str(form.get("sources", "")).split(",") if s.strip()]
    draft.examples = [
        line.strip() for line in str(form.get("examples", "")).splitlines() if line.strip()
    ]
    return draft


def _start_training_if_needed(request: Request, examples_changed: bool) -> bool:
    settings = request.app.state.settings
    if not examples_changed:
        return False
    try:
        if model_state(settings).up_to_date:
            return False
    except Exception as exc:  # the publish worked; say so even if the check failed
        logger.error("could not check the model state: %s", type(exc).__name__)
    retrainer(request).request(user_of(request) or "?")
    return True


# --- pages ------------------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "login.html")
    form = await form_with_csrf(request)
    if form is None:
        return render(request, "login.html", 403, error="The page had expired; try again.")
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    with session_scope(_url(request)) as session:
        user = authenticate(session, username, password) if username and password else None
        if user is not None:
            audit(session, user.username, "sign_in")
    if user is None:
        return render(
            request, "login.html", 401, error="Wrong user name or password.", username=username
        )
    request.session.clear()  # a new session (and CSRF token) at each sign-in
    request.session["user"] = username
    return RedirectResponse("/admin", status_code=303)


@staff_only
async def logout(request: Request) -> Response:
    with session_scope(_url(request)) as session:
        audit(session, user_of(request) or "?", "sign_out")
    request.session.clear()
    return RedirectResponse("/admin/login", status_code=303)


def _training_view(request: Request) -> dict:
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


@staff_only
async def dashboard(request: Request) -> Response:
    search = request.query_params.get("q", "")[:100]
    with session_scope(_url(request)) as session:
        rows = [
            {
                "key": t.key,
                "title": latest_version(t).title,
                "status": t.status,
                "live": t.live_version,
                "newest": latest_version(t).number,
                "answer": latest_version(t).answer,
                "updated": t.updated_at,
            }
            for t in topic_summaries(session, search)
        ]
    return render(request, "topics.html", topics=rows, q=search, **_training_view(request))


def _edit_context(session, key: str) -> dict:  # type: ignore[no-untyped-def]
    topic = get_topic(session, key)
    v = latest_version(topic)
    draft = TopicDraft.of(v)
    return {
        "key": topic.key,
        "intent": topic.intent,
        "status": topic.status,
        "live": topic.live_version,
        "newest": v.number,
        "draft": draft,
        "examples_text": "\n".join(draft.examples),
        "sources_text": ", ".join(draft.sources),
        "has_areas": bool(draft.areas),
    }


@staff_only
async def edit_topic(request: Request) -> Response:
    key = request.path_params["key"]
    with session_scope(_url(request)) as session:
        try:
            context = _edit_context(session, key)
        except ContentError:
            return render(request, "message.html", 404, message="There is no such topic.")
    if request.method == "GET":
        return render(request, "edit.html", **context)

    form = request.state.form
    draft = _draft_from_form(form, context["draft"])
    action = form.get("action", "save")
    user = user_of(request) or "?"
    try:
        with session_scope(_url(request)) as session:
            version = save_draft(session, key, draft, user, str(form.get("note") or "")[:200])
            result = publish(session, key, user) if action == "publish" else None
    except ContentError as exc:
        context.update(
            draft=draft,
            examples_text="\n".join(draft.examples),
            sources_text=", ".join(draft.sources),
        )
        return render(request, "edit.html", 422, error=str(exc), **context)
    if result is None:
        flash(request, f"Saved as version {version.number} (a draft: patients do not see it yet).")
        return RedirectResponse(f"/admin/topics/{key}", status_code=303)
    training = _start_training_if_needed(request, result.examples_changed)
    flash(
        request,
        f"Version {result.version} is live: patients get the new wording from their next message."
        + (
            " The new example questions are being taught to the assistant (see the progress"
            " on the topics page)."
            if training
            else ""
        ),
    )
    return RedirectResponse(f"/admin/topics/{key}", status_code=303)


@staff_only
async def new_topic(request: Request) -> Response:
    # ?example=...: a question patients asked that was not understood (insights page)
    example = " ".join(request.query_params.get("example", "").split())[:300]
    empty = {
        "draft": TopicDraft(title="", answer=""),
        "examples_text": example,
        "sources_text": "",
    }
    if request.method == "GET":
        return render(request, "new.html", **empty)
    form = request.state.form
    draft = _draft_from_form(form)
    try:
        with session_scope(_url(request)) as session:
            key = create_topic(session, draft, user_of(request) or "?")
    except ContentError as exc:
        return render(
            request,
            "new.html",
            422,
            error=str(exc),
            draft=draft,
            examples_text="\n".join(draft.examples),
            sources_text=", ".join(draft.sources),
        )
    flash(request, "Topic created as a draft. Check the preview, then publish it.")
    return RedirectResponse(f"/admin/topics/{key}", status_code=303)


@staff_only
async def topic_action(request: Request) -> Response:
    key = request.path_params["key"]
    action = request.path_params["action"]
    user = user_of(request) or "?"
    try:
        with session_scope(_url(request)) as session:
            if action == "publish":
                result = publish(session, key, user)
            elif action == "take-down":
                take_down(session, key, user)
                result = None
            elif action == "rollback":
                result = rollback(session, key, int(request.state.form.get("version", 0)), user)
            else:
                return render(request, "message.html", 404, message="Unknown action.")
    except (ContentError, ValueError) as exc:
        flash(request, f"Not done: {exc}", "error")
        return RedirectResponse(f"/admin/topics/{key}", status_code=303)
    if result is None:
        flash(request, "Taken down: patients asking about it are given the clinic's number.")
    else:
        training = _start_training_if_needed(request, result.examples_changed)
        flash(
            request,
            f"Version {result.version} is live."
            + (" The assistant is being retrained for its questions." if training else ""),
        )
    return RedirectResponse(f"/admin/topics/{key}", status_code=303)


@staff_only
async def history(request: Request) -> Response:
    key = request.path_params["key"]
    with session_scope(_url(request)) as session:
        try:
            topic = get_topic(session, key)
        except ContentError:
            return render(request, "message.html", 404, message="There is no such topic.")
        versions: list[FaqVersion] = list(topic.versions)
        entries = []
        for i, v in enumerate(versions):
            entries.append(
                {
                    "number": v.number,
                    "author": v.author,
                    "at": v.created_at,
                    "note": v.note,
                    "live": topic.status == "published" and v.number == topic.live_version,
                    "diff": version_diff(versions[i - 1] if i else None, v),
                }
            )
        live = live_version(topic)
        title = latest_version(topic).title
    return render(
        request,
        "history.html",
        key=key,
        title=title,
        versions=list(reversed(entries)),
        live=live.number if live else None,
    )


@staff_only
async def audit_log(request: Request) -> Response:
    with session_scope(_url(request)) as session:
        entries = (
            session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(300))
            .scalars()
            .all()
        )
    return render(request, "audit.html", entries=entries)


@staff_only
async def export(request: Request) -> Response:
    with session_scope(_url(request)) as session:
        text = export_topics(session)
        audit(session, user_of(request) or "?", "export")
    return PlainTextResponse(
        text,
        media_type="application/x-yaml",
        headers={"Content-Disposition": 'attachment; filename="faq-topics.yml"'},
    )


@staff_only
async def import_page(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "import.html")
    upload = request.state.form.get("file")
    data = await upload.read(MAX_IMPORT_BYTES + 1) if hasattr(upload, "read") else b""
    if not data or len(data) > MAX_IMPORT_BYTES:
        return render(request, "import.html", 422, error="Choose an exported .yml file (< 2 MB).")
    try:
        with session_scope(_url(request)) as session:
            report = import_topics(
                session, data.decode("utf-8", errors="replace"), user_of(request) or "?"
            )
    except ContentError as exc:
        return render(request, "import.html", 422, error=f"Nothing was imported. {exc}")
    flash(
        request,
        f"Imported as drafts: {len(report.created)} new, {len(report.changed)} changed, "
        f"{len(report.unchanged)} unchanged. Publish each to make it live.",
    )
    return RedirectResponse("/admin", status_code=303)


@staff_only
async def retrain_now(request: Request) -> Response:
    retrainer(request).request(user_of(request) or "?")
    flash(request, "Updating the assistant: the progress is shown below.")
    return RedirectResponse("/admin", status_code=303)


@staff_only
async def training_status(request: Request) -> Response:
    view = _training_view(request)
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


@staff_only
async def preview_api(request: Request) -> Response:
    """Validate a text as it would be published (for the edit page's live check)."""
    from bot.content.store import check_text

    form = request.state.form
    try:
        check_text("The answer", str(form.get("text") or ""))
    except ContentError as exc:
        return JSONResponse({"ok": False, "message": str(exc)})
    return JSONResponse({"ok": True})


# --- the call-back inbox and insights ---------------------------------------------------

PERIODS = (7, 30, 90)  # days offered on the insights page
DEFAULT_PERIOD = 30


def _clinic_clock(session) -> tuple[ZoneInfo, Schedule]:  # type: ignore[no-untyped-def]
    row = load_clinic_settings(session)
    return clinic_zone(row.timezone), current_schedule(row.opening_schedule)


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored (naive UTC) time in the clinic's time zone."""
    return None if moment is None else moment.replace(tzinfo=timezone.utc).astimezone(zone)


@staff_only
async def callbacks_page(request: Request) -> Response:
    show_done = request.query_params.get("show") == "all"
    with session_scope(_url(request)) as session:
        zone, schedule = _clinic_clock(session)
        items = callback_inbox(session, include_done=show_done)
    rows = []
    for item in items:
        created = _local(item.created_at, zone)
        rows.append(
            {
                "item": item,
                "created": created,
                "done_at": _local(item.done_at, zone),
                # Judged with today's opening hours: a past change of hours is not kept.
                "outside_hours": created is not None and not is_open(schedule, created),
            }
        )
    return render(request, "callbacks.html", requests=rows, show_done=show_done)


@staff_only
async def callback_done(request: Request) -> Response:
    request_id = request.path_params["id"]
    user = user_of(request) or "?"
    back = "/admin/callbacks?show=all" if request.state.form.get("show") == "all" else None
    with session_scope(_url(request)) as session:
        before = get_callback(session, request_id)
        if before is not None and not before.done:
            mark_done(session, request_id, by=user)
            # The audit log names the request, never the patient.
            audit(session, user, "callback_done", detail=f"call-back request {request_id}")
    if before is None:
        return render(request, "message.html", 404, message="There is no such call-back request.")
    if before.done:
        flash(request, f"Already marked done by {before.done_by or 'someone'}.")
    else:
        flash(request, f"Call-back request {request_id} marked done.")
    return RedirectResponse(back or "/admin/callbacks", status_code=303)


@staff_only
async def insights_page(request: Request) -> Response:
    try:
        days = int(request.query_params.get("days", DEFAULT_PERIOD))
    except ValueError:
        days = DEFAULT_PERIOD
    if days not in PERIODS:
        days = DEFAULT_PERIOD
    order = "frequent" if request.query_params.get("order") == "frequent" else "recent"
    since = utc_now() - timedelta(days=days)
    with session_scope(_url(request)) as session:
        zone, _ = _clinic_clock(session)
        titles = {t.key: latest_version(t).title for t in topic_summaries(session)}
        topics = helpfulness_by_topic(session, since=since)
        questions = unanswered_questions(session, since=since, recent_first=order == "recent")
    return render(
        request,
        "insights.html",
        days=days,
        periods=PERIODS,
        order=order,
        topics=[{"votes": t, "title": titles.get(t.topic)} for t in topics],
        questions=[{"group": q, "last_seen": _local(q.last_seen, zone)} for q in questions],
    )


routes = [
    Route("/admin/login", login_page, methods=["GET", "POST"], name="admin_login"),
    Route("/admin/logout", logout, methods=["POST"], name="admin_logout"),
    Route("/admin", dashboard, name="admin"),
    Route("/admin/", dashboard),
    Route("/admin/topics/new", new_topic, methods=["GET", "POST"], name="admin_new"),
    Route("/admin/topics/{key}", edit_topic, methods=["GET", "POST"], name="admin_topic"),
    Route("/admin/topics/{key}/history", history, name="admin_history"),
    Route("/admin/topics/{key}/{action:str}", topic_action, methods=["POST"], name="admin_action"),
    Route("/admin/audit", audit_log, name="admin_audit"),
    Route("/admin/callbacks", callbacks_page, name="admin_callbacks"),
    Route(
        "/admin/callbacks/{id:int}/done",
        callback_done,
        methods=["POST"],
        name="admin_callback_done",
    ),
    Route("/admin/insights", insights_page, name="admin_insights"),
    Route("/admin/export", export, name="admin_export"),
    Route("/admin/import", import_page, methods=["GET", "POST"], name="admin_import"),
    Route("/admin/retrain", retrain_now, methods=["POST"], name="admin_retrain"),
    Route("/admin/api/training", training_status, name="admin_api_training"),
    Route("/admin/api/check", preview_api, methods=["POST"], name="admin_api_check"),
]
