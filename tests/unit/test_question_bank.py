"""The question bank stays honest: split by website as its protocol says, every label a
real one, and none of its questions in the training data.

Assertion messages give counts only: the locked half is never printed (PROTOCOL.md).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from bot.content.repository import read_nlu_examples, seed_examples
from bot.content.store import get_content
from bot.training.evaluation import load_bank

ROOT = Path(__file__).resolve().parents[2]
BANK = ROOT / "tests" / "nlu" / "bank"
OTHER_LABELS = {
    "red_flag",
    "personal_advice",
    "next_due_date",
    "request_human",
    "out_of_scope",
    "chitchat",
    "privacy",
}


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def training_texts() -> set[str]:
    texts = set()
    for examples in (read_nlu_examples(ROOT / "data"), seed_examples()):
        for lines in examples.values():
            texts.update(norm(t) for t in lines)
    return texts


def test_the_bank_has_500_questions_split_into_dev_and_locked() -> None:
    dev, locked = load_bank(BANK / "dev.yml"), load_bank(BANK / "locked.yml")
    assert len(dev) + len(locked) >= 500
    assert len(dev) > 200 and len(locked) > 200


def test_every_label_is_an_entry_or_a_known_kind() -> None:
    known = set(get_content().entries) | OTHER_LABELS
    for name in ("dev.yml", "locked.yml"):
        unknown = {e.intent for e in load_bank(BANK / name)} - known
        assert not unknown, f"{name}: {len(unknown)} unknown labels"


def test_no_bank_question_is_in_the_training_data() -> None:
    training = training_texts()
    for name in ("dev.yml", "locked.yml"):
        leaked = sum(norm(e.text) in training for e in load_bank(BANK / name))
        assert leaked == 0, f"{name}: {leaked} questions are also training examples"


def test_each_question_is_in_the_half_of_its_website() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    from bank_split import split_of

    for name in ("dev", "locked"):
        raw = yaml.safe_load((BANK / f"{name}.yml").read_text())
        wrong = {q["source"] for q in raw["questions"] if split_of(q["source"]) != name}
        assert not wrong, f"{name}: {len(wrong)} websites in the wrong half"


def test_no_per_entry_test_question_is_in_the_training_data() -> None:
    questions = yaml.safe_load((ROOT / "tests" / "e2e" / "kb_questions.yml").read_text())
    texts = [t for ts in questions["entries"].values() for t in ts]
    texts += [t for k, ts in questions.items() if k != "entries" for t in ts]
    training = training_texts()
    leaked = [t for t in texts if norm(t) in training]
    assert leaked == []
