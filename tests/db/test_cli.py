"""``python -m bot db ...``: the sub-commands, their exit codes, and no patient data shown."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.db.cli import add_db_commands
from bot.db.session import dispose_engines

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def run_db(fresh_db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("BOT_FIXED_TODAY", "2026-11-24")
    monkeypatch.delenv("DATE_ORDER", raising=False)
    parser = argparse.ArgumentParser(prog="python -m bot")
    add_db_commands(parser.add_subparsers(dest="command", required=True))

    def run(*argv: str) -> tuple[int, str]:
        args = parser.parse_args(["db", *argv])
        code = args.func(args)
        return code, capsys.readouterr().out

    yield run
    dispose_engines()


def test_status_before_upgrade_says_what_to_do(run_db) -> None:
    code, out = run_db("status")
    assert code == 1
    assert "python -m bot db upgrade" in out


def test_upgrade_seed_and_status(run_db) -> None:
    assert run_db("upgrade")[0] == 0
    code, out = run_db("seed")
    assert (code, out.strip()) == (0, "demo patients added")
    assert "no demo data added" in run_db("seed")[1]
    code, out = run_db("status")
    assert code == 0
    assert "patients: 3" in out
    assert "2 done, 0 scheduled" in out
    assert "BTX" not in out and "1984" not in out


def test_import_reports_and_fails_when_a_row_is_rejected(run_db) -> None:
    code, out = run_db("import", str(DATA / "clinic_export.csv"))
    assert code == 0
    assert "patients added: 3, sessions added: 5" in out
    code, out = run_db("import", str(DATA / "clinic_export_with_errors.csv"))
    assert code == 1
    assert "line 4, column date_of_birth" in out
    assert "BTX-3" not in out


def test_import_dry_run_writes_nothing(run_db) -> None:
    code, out = run_db("import", "--dry-run", str(DATA / "clinic_export.csv"))
    assert code == 0 and "dry run" in out
    assert "patients: 0" in run_db("status")[1]


def test_password_in_the_database_url_is_not_printed() -> None:
    from bot.db.cli import _shown

    assert "s3cret" not in _shown("postgresql+psycopg2://clinic:s3cret@db.example/clinic")
