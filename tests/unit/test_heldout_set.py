"""The held-out set stays held out: no phrasing of it is in the training data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.training.evaluation import load_examples

ROOT = Path(__file__).resolve().parents[2]


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


@pytest.mark.parametrize("name", ["heldout.yml", "fresh.yml"])
def test_no_heldout_phrasing_is_in_the_training_data(name: str) -> None:
    training = {norm(e.text) for p in (ROOT / "data" / "nlu").glob("*.yml")
                for e in load_examples(p)}  # fmt: skip
    heldout = load_examples(ROOT / "tests" / "nlu" / name)
    assert heldout, name
    leaked = [e.text for e in heldout if norm(e.text) in training]
    assert leaked == []


def test_heldout_covers_every_trained_intent() -> None:
    trained = {e.intent for p in (ROOT / "data" / "nlu").glob("*.yml") for e in load_examples(p)}
    heldout = {e.intent for e in load_examples(ROOT / "tests" / "nlu" / "heldout.yml")}
    assert trained <= heldout, trained - heldout
