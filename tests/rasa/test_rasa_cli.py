"""Rasa's own checks: `rasa data validate` and `rasa test` on the trained model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import load_settings
from bot.training.build import subprocess_env, validate_data

ROOT = Path(__file__).resolve().parents[2]
DEV_BANK = ROOT / "tests" / "nlu" / "bank" / "dev.yml"
# A regression floor on the question bank's dev half (real patient questions; it was studied,
# so this is no result: the locked figures are in README and `make bench`). Today's model
# scores about 0.6 there; a broken pipeline or training data scores far below.
MIN_DEV_ACCURACY = 0.45
# Bank labels -> model intents (entries: faq_<key>); chitchat and privacy span several
# intents and are left out of this check.
LABEL_INTENTS = {
    "red_flag": "report_red_flag",
    "personal_advice": "ask_personal_advice",
    "next_due_date": "ask_next_due_date",
    "request_human": "request_human",
    "out_of_scope": "out_of_scope",
    "no_reliable_info": "no_reliable_info",
    "own_experience": "own_experience",
}


def dev_bank_as_rasa_nlu(path: Path) -> Path:
    """The dev half of the question bank as a Rasa NLU test file."""
    import yaml

    from bot.content.store import entry_intent, get_content
    from bot.training.evaluation import load_bank

    entries = get_content().entries
    by_intent: dict[str, list[str]] = {}
    for example in load_bank(DEV_BANK):
        intent = LABEL_INTENTS.get(example.intent) or (
            entry_intent(example.intent) if example.intent in entries else None
        )
        if intent:
            text = " ".join(example.text.split())
            by_intent.setdefault(intent, []).append(text)
    nlu = [
        {"intent": i, "examples": "".join(f"- {t}\n" for t in texts)}
        for i, texts in by_intent.items()
    ]
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": nlu}, sort_keys=False))
    return path


def test_rasa_data_validate_is_clean() -> None:
    proc = validate_data()
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]


@pytest.fixture(scope="module")
def rasa_test_results(trained_model: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rasa-test")
    settings = load_settings()
    log = out / "rasa-test.log"
    nlu = dev_bank_as_rasa_nlu(out / "dev-bank.yml")
    with log.open("w") as fh:
        proc = subprocess.run(
            [sys.executable, "-m", "rasa", "test", "--model", str(trained_model),
             "--stories", "tests/test_stories.yml", "--nlu", str(nlu),
             "--out", str(out), "--fail-on-prediction-errors"],
            cwd=ROOT, env=subprocess_env(settings), stdout=fh, stderr=subprocess.STDOUT,
        )  # fmt: skip
    assert proc.returncode == 0, log.read_text()[-3000:]
    return out


def test_conversation_stories_pass(rasa_test_results: Path) -> None:
    report = json.loads((rasa_test_results / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0
    failed = rasa_test_results / "failed_test_stories.yml"
    assert not failed.exists() or "story:" not in failed.read_text()


def test_dev_bank_intent_accuracy_is_above_the_floor(rasa_test_results: Path) -> None:
    report = json.loads((rasa_test_results / "intent_report.json").read_text())
    assert report["accuracy"] >= MIN_DEV_ACCURACY, report["accuracy"]


def test_dev_bank_red_flags_are_all_caught(rasa_test_results: Path) -> None:
    report = json.loads((rasa_test_results / "intent_report.json").read_text())
    assert report["report_red_flag"]["recall"] == 1.0
