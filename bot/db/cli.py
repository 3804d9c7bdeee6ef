"""``python -m bot db ...``: the clinic database from the command line.

    db upgrade              run the migrations up to the newest schema
    db seed                 add the demo patients if there are none (and clinic settings)
    db import FILE.csv      import patients and sessions (columns: bot/db/importer.py);
                            prints the report; exit code 1 if any row was rejected
                            (--dry-run: check and report, write nothing)
    db status               schema revision and counts (never patient data)
    db revision -m TEXT     write a new migration from the model changes (developers)

The database is ``DATABASE_URL`` (default: the SQLite file ``var/clinic.db``). ``seed``
and ``import`` run ``upgrade`` first. Each command's function returns the exit code.
"""

from __future__ import annotations

import argparse
from datetime import date

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import make_url

from bot.settings import load_settings


def _say(message: str) -> None:
    print(message, flush=True)


def _url() -> str:
    return load_settings().database_url


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def cmd_upgrade(args: argparse.Namespace) -> int:
    from bot.db.migrations import current_revision, upgrade_database

    url = _url()
    upgrade_database(url)
    _say(f"database {_shown(url)}: schema at revision {current_revision(url)}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from bot.db.migrations import upgrade_database
    from bot.db.seed import seed_demo_data
    from bot.db.session import session_scope

    url = _url()
    upgrade_database(url)
    with session_scope(url) as session:
        added = seed_demo_data(session, today=args.today)
    _say("demo patients added" if added else "patients already present: no demo data added")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from bot.clinic import clinic_context
    from bot.db.importer import import_csv
    from bot.db.migrations import upgrade_database
    from bot.db.session import get_sessionmaker

    url = _url()
    upgrade_database(url)
    with get_sessionmaker(url)() as session:
        session.begin()
        try:
            report = import_csv(session, args.csv, today=clinic_context(session).today())
        except BaseException:
            session.rollback()
            raise
        # Rows are all-or-nothing each (savepoints): the good ones are kept.
        if args.dry_run:
            session.rollback()
        else:
            session.commit()
    for line in report.summary_lines():
        _say(line)
    if args.dry_run:
        _say("dry run: nothing was written")
    return 0 if report.ok else 1


def cmd_status(args: argparse.Namespace) -> int:
    from bot.db.migrations import current_revision, head_revision
    from bot.db.models import LookupFailure, Patient, SessionStatus, TreatmentSession
    from bot.db.session import get_engine, session_scope

    url = _url()
    current, head = current_revision(url), head_revision()
    _say(f"database {_shown(url)}: schema revision {current or 'none'} (newest {head})")
    if current is None or not inspect(get_engine(url)).has_table("patients"):
        _say("not set up yet: run `python -m bot db upgrade`")
        return 1
    with session_scope(url) as session:
        patients = session.execute(select(func.count(Patient.id))).scalar_one()
        by_status = dict(
            session.execute(
                select(TreatmentSession.status, func.count(TreatmentSession.id)).group_by(
                    TreatmentSession.status
                )
            ).all()
        )
        failures = session.execute(select(func.count(LookupFailure.id))).scalar_one()
    _say(f"patients: {patients}")
    _say(
        f"treatment sessions: {by_status.get(SessionStatus.DONE, 0)} done, "
        f"{by_status.get(SessionStatus.SCHEDULED, 0)} scheduled"
    )
    _say(f"failed identity checks kept (last 24 hours at most): {failures}")
    if current != head:
        _say("schema is behind: run `python -m bot db upgrade`")
        return 1
    return 0


def cmd_revision(args: argparse.Namespace) -> int:
    from bot.db.migrations import new_revision, upgrade_database

    url = _url()
    upgrade_database(url)  # autogenerate compares the models with a database at head
    path = new_revision(url, args.message, autogenerate=not args.empty)
    _say(f"new migration: {path} (read and edit it before committing)")
    return 0


def add_db_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``db`` and its sub-commands; each sets ``func`` (returns the exit code)."""
    db = subparsers.add_parser(
        "db",
        help="clinic database: upgrade, seed, import, status",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = db.add_subparsers(dest="db_command", metavar="COMMAND", required=True)

    commands.add_parser("upgrade", help="run the migrations up to the newest schema").set_defaults(
        func=cmd_upgrade
    )

    seed = commands.add_parser("seed", help="add the demo patients if there are none")
    seed.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="place the demo sessions relative to this date (default: as for 2026-11-24)",
    )
    seed.set_defaults(func=cmd_seed)

    imp = commands.add_parser("import", help="import patients and sessions from a CSV file")
    imp.add_argument("csv", metavar="FILE.csv", help="columns: see bot/db/importer.py")
    imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    imp.set_defaults(func=cmd_import)

    commands.add_parser("status", help="schema revision and counts (no patient data)").set_defaults(
        func=cmd_status
    )

    revision = commands.add_parser("revision", help="write a new migration (developers)")
    revision.add_argument("-m", "--message", required=True, help="what the migration changes")
    revision.add_argument("--empty", action="store_true", help="do not compare with the models")
    revision.set_defaults(func=cmd_revision)
