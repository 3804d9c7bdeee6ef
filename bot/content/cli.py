"""``python -m bot faq ...`` and ``python -m bot staff ...``: the FAQ content from a terminal.

    faq list                      every topic: status, live version, title
    faq show TOPIC                the newest version (and whether it is live)
    faq set TOPIC --answer TEXT   save a new version (draft); --more, --title too;
                                  --publish to make it live at once
    faq publish [TOPIC]           make drafts live (all, or one topic); retrains and
                                  swaps the model when new questions need it
    faq take-down TOPIC           stop answering a topic
    faq history TOPIC             its versions; faq rollback TOPIC N
    faq export [FILE]             every topic as YAML (stdout without FILE)
    faq import FILE               save the file's topics as drafts (all or nothing)
    staff add NAME                create a staff account (or set its password); the
                                  password is asked twice, or read from stdin with
                                  --password-stdin; --role editor|approver (a new
                                  account: approver if it is the first, else editor)
    staff disable NAME            stop an account signing in (ends its sessions)
    staff enable NAME             let it sign in again
    staff list                    the accounts, their roles and status

Changes are made as ``--as NAME`` (default ``cli:`` and the operating-system user), which
the audit log records. The terminal is the technical team's: roles do not limit it.
The database is ``DATABASE_URL`` (migrated and seeded first, as ``make run`` does).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from bot.settings import load_settings


def _say(message: str) -> None:
    print(message, flush=True)


def _actor(args: argparse.Namespace) -> str:
    return args.actor or f"cli:{load_settings().os_user}"


def _url() -> str:
    from bot.db.seed import prepare_database

    url = load_settings().database_url
    prepare_database(url, demo=False)
    return url


def _guard(func):  # type: ignore[no-untyped-def]
    """ContentError and AccountError become a plain message and exit code 1."""
    from bot.content.store import ContentError
    from bot.web.auth import AccountError

    def wrapped(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (ContentError, AccountError) as exc:
            _say(f"Not done: {exc}")
            return 1

    return wrapped


@_guard
def cmd_list(args: argparse.Namespace) -> int:
    from bot.content.repository import latest_version, topic_summaries
    from bot.db.session import session_scope

    with session_scope(_url()) as session:
        for topic in topic_summaries(session, args.search or ""):
            newest = latest_version(topic).number
            pending = f" (draft v{newest} waiting)" if newest != topic.live_version else ""
            live = f"v{topic.live_version}" if topic.live_version else "-"
            _say(
                f"{topic.key:<24} {topic.status:<9} {live:<4} "
                f"{latest_version(topic).title}{pending}"
            )
    return 0


@_guard
def cmd_show(args: argparse.Namespace) -> int:
    import json

    from bot.content.repository import get_topic, latest_version
    from bot.db.session import session_scope

    with session_scope(_url()) as session:
        topic = get_topic(session, args.topic)
        v = latest_version(topic)
        live = "live" if topic.status == "published" and topic.live_version == v.number else "draft"
        _say(f"{topic.key} (intent {topic.intent}), version {v.number} [{live}], by {v.author}")
        _say(f"title: {v.title}\n\n{v.answer}")
        if v.more:
            _say(f"\n[tell me more]\n{v.more}")
        examples = json.loads(v.examples_json)
        _say(f"\n{len(examples)} example questions, e.g.: " + "; ".join(examples[:5]))
    return 0


@_guard
def cmd_set(args: argparse.Namespace) -> int:
    from bot.content.repository import TopicDraft, get_topic, latest_version, publish, save_draft
    from bot.db.session import session_scope

    with session_scope(_url()) as session:
        draft = TopicDraft.of(latest_version(get_topic(session, args.topic)))
        if args.answer is not None:
            draft.answer = args.answer
        if args.more is not None:
            draft.more = args.more
        if args.title is not None:
            draft.title = args.title
        version = save_draft(session, args.topic, draft, _actor(args), "command line")
        if args.publish:
            publish(session, args.topic, _actor(args))
            _say(f"{args.topic}: version {version.number} saved and live.")
        else:
            _say(
                f"{args.topic}: version {version.number} saved as a draft; publish to make it live."
            )
    return 0


def _retrain_if_needed(actor: str) -> int:
    from bot.training.retrain import create_job, model_state, run_job

    settings = load_settings()
    state = model_state(settings)
    if state.up_to_date:
        return 0
    if all(r is None for r in state.running):
        _say(
            "New example questions need a new model: the assistant is not running, so the "
            "next `make run` trains it."
        )
        return 0
    job_id = create_job(settings, actor)
    ok = run_job(settings, job_id, progress=lambda status, message: _say(f"  {message}"))
    return 0 if ok else 1


@_guard
def cmd_publish(args: argparse.Namespace) -> int:
    from bot.content.repository import publish, publish_all
    from bot.db.session import session_scope

    with session_scope(_url()) as session:
        results = (
            [publish(session, args.topic, _actor(args))]
            if args.topic
            else publish_all(session, _actor(args))
        )
    for result in results:
        _say(f"{result.key}: version {result.version} is live.")
    if not results:
        _say("Nothing to publish: every topic's newest version is live.")
    return _retrain_if_needed(_actor(args))


@_guard
def cmd_take_down(args: argparse.Namespace) -> int:
    from bot.content.repository import take_down
    from bot.db.session import session_scope

    with session_scope(_url()) as session:
        take_down(session, args.topic, _actor(args))
    _say(f"{args.topic}: taken down; patients asking about it are given the clinic's number.")
    return 0


@_guard
def cmd_history(args: argparse.Namespace) -> int:
    from bot.content.repository import get_topic
    from bot.db.session import session_scope

    with session_scope(_url()) as session:
        topic = get_topic(session, args.topic)
        for v in reversed(topic.versions):
            mark = (
                " (live)" if v.number == topic.live_version and topic.status == "published" else ""
            )
            _say(f"v{v.number}{mark}  {v.created_at:%Y-%m-%d %H:%M} UTC  {v.author}  {v.note}")
    return 0


@_guard
def cmd_rollback(args: argparse.Namespace) -> int:
    from bot.content.repository import rollback
    from bot.db.session import session_scope

    with session_scope(_url()) as session:
        result = rollback(session, args.topic, args.version, _actor(args))
    _say(f"{args.topic}: version {args.version} is live again (as version {result.version}).")
    return _retrain_if_needed(_actor(args))


@_guard
def cmd_export(args: argparse.Namespace) -> int:
    from bot.content.repository import export_topics
    from bot.db.session import session_scope

    with session_scope(_url()) as session:
        text = export_topics(session)
    if args.file:
        Path(args.file).write_text(text, encoding="utf-8")
        _say(f"exported to {args.file}")
    else:
        sys.stdout.write(text)
    return 0


@_guard
def cmd_import(args: argparse.Namespace) -> int:
    from bot.content.repository import import_topics
    from bot.db.session import session_scope

    text = Path(args.file).read_text(encoding="utf-8")
    with session_scope(_url()) as session:
        report = import_topics(session, text, _actor(args))
    _say(
        f"imported as drafts: {len(report.created)} new ({', '.join(report.created) or '-'}), "
        f"{len(report.changed)} changed ({', '.join(report.changed) or '-'}), "
        f"{len(report.unchanged)} unchanged. Publish to make them live."
    )
    return 0


def _lift_lock(session, name: str) -> None:  # type: ignore[no-untyped-def]
    """A password set here lifts the sign-in lock on the name, as on the staff page."""
    from bot.db.models import utc_now
    from bot.web.admin.deps import session_secret
    from bot.web.throttle import account_key, clear_failures

    clear_failures(session, account_key(session_secret(load_settings()), name), utc_now())


@_guard
def cmd_staff_add(args: argparse.Namespace) -> int:
    from bot.db.session import session_scope
    from bot.web.auth import add_staff

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.name}: ")
        if getpass.getpass("Again: ") != password:
            _say("Not done: the two passwords differ.")
            return 1
    with session_scope(_url()) as session:
        user = add_staff(session, args.name, password, _actor(args), args.role)
        _lift_lock(session, args.name)
        role, active = user.role, user.active
    _say(
        f"staff account {args.name} ready ({role}): sign in at /admin"
        if active
        else f"password set for {args.name} ({role}), still disabled: "
        f"`staff enable {args.name}` lets them sign in"
    )
    return 0


@_guard
def cmd_staff_enable(args: argparse.Namespace) -> int:
    from bot.db.session import session_scope
    from bot.web.auth import set_active

    enable = args.staff_command == "enable"
    with session_scope(_url()) as session:
        set_active(session, args.name, enable, _actor(args))
    _say(
        f"{args.name} can sign in again."
        if enable
        else f"{args.name} is disabled: cannot sign in; open sessions end at their next page."
    )
    return 0


@_guard
def cmd_staff_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from bot.db.faq_models import StaffUser
    from bot.db.session import session_scope

    with session_scope(_url()) as session:
        for u in session.execute(select(StaffUser).order_by(StaffUser.username)).scalars():
            last = f"{u.last_login_at:%Y-%m-%d %H:%M} UTC" if u.last_login_at else "never"
            state = "active" if u.active else "disabled"
            _say(f"{u.username:<24} {u.role:<9} {state:<9} last signed in {last}")
    return 0


def add_faq_commands(sub: argparse._SubParsersAction) -> None:
    faq = sub.add_parser(
        "faq",
        help="the FAQ topics: list, show, set, publish, history, export, import",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    faq_sub = faq.add_subparsers(dest="faq_command", required=True)

    def command(name: str, func, help: str) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        parser = faq_sub.add_parser(name, help=help)
        parser.add_argument("--as", dest="actor", help="who is making the change (audit log)")
        parser.set_defaults(func=func)
        return parser

    command("list", cmd_list, "every topic").add_argument("--search", default="")
    command("show", cmd_show, "one topic's newest version").add_argument("topic")
    set_ = command("set", cmd_set, "save a new version of a topic")
    set_.add_argument("topic")
    set_.add_argument("--answer")
    set_.add_argument("--more")
    set_.add_argument("--title")
    set_.add_argument("--publish", action="store_true", help="make it live at once")
    command("publish", cmd_publish, "make drafts live").add_argument("topic", nargs="?")
    command("take-down", cmd_take_down, "stop answering a topic").add_argument("topic")
    command("history", cmd_history, "a topic's versions").add_argument("topic")
    rollback = command("rollback", cmd_rollback, "make an old version live again")
    rollback.add_argument("topic")
    rollback.add_argument("version", type=int)
    command("export", cmd_export, "every topic as YAML").add_argument("file", nargs="?")
    command("import", cmd_import, "save a YAML file's topics as drafts").add_argument("file")

    staff = sub.add_parser("staff", help="staff accounts for the admin pages")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    from bot.db.faq_models import ROLES

    add = staff_sub.add_parser("add", help="create an account (or set its password)")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument(
        "--role",
        choices=ROLES,
        help="editor (drafts) or approver (publishes, manages accounts); a new account "
        "gets approver if it is the first, else editor",
    )
    add.add_argument("--as", dest="actor", help="who is making the change (audit log)")
    add.set_defaults(func=cmd_staff_add)
    for name, help in (
        ("disable", "stop an account signing in (its open sessions end)"),
        ("enable", "let a disabled account sign in again"),
    ):
        toggle = staff_sub.add_parser(name, help=help)
        toggle.add_argument("name")
        toggle.add_argument("--as", dest="actor", help="who is making the change (audit log)")
        toggle.set_defaults(func=cmd_staff_enable)
    staff_sub.add_parser("list", help="the accounts, roles and status").set_defaults(
        func=cmd_staff_list
    )
