"""Measure understanding: intent accuracy, macro-F1 and the safety figures that matter here.

* accuracy and macro-F1 over all intents of a labelled set (the held-out set by default);
* **out-of-scope caught**: of the messages labelled ``out_of_scope``, the share that is
  not answered as a treatment question (predicted ``out_of_scope`` or ``nlu_fallback``);
* **in-scope refused**: of the other messages, the share predicted ``out_of_scope`` or
  ``nlu_fallback`` (a patient with a real question who is told "please rephrase");
* **red-flag recall**: of the messages labelled ``report_red_flag``, the share caught;
* the confusion pairs that remain.

The model is loaded in-process with Rasa's ``Agent`` (NLU only), so a whole set parses in
seconds. :func:`sweep_thresholds` recomputes the figures for other FallbackClassifier
thresholds from the same parses (the classifier's ranking is kept below nlu_fallback).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REFUSALS = {"out_of_scope", "nlu_fallback"}
FALLBACK = "nlu_fallback"
RED_FLAG = "report_red_flag"


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


@dataclass(frozen=True)
class Scores:
    n: int
    accuracy: float
    macro_f1: float
    oos_caught: float
    in_scope_refused: float
    red_flag_recall: float
    confusions: list[tuple[str, str, int]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_examples(path: Path) -> list[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        Example(m.get("text"), m.get("intent"))
        for m in data.intent_examples
        if m.get("text") and m.get("intent")
    ]


def parse_all(model: Path, texts: Sequence[str]) -> list[dict[str, Any]]:
    """Parse every text with the model's NLU pipeline (the same one the server runs)."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa logs every parse at debug level otherwise

    async def _run() -> list[dict[str, Any]]:
        agent = Agent.load(str(model))
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(_run())


def predicted_intent(parse: dict[str, Any], threshold: float, ambiguity: float) -> str:
    """The intent a parse gives under another FallbackClassifier setting."""
    intent = (parse.get("intent") or {}).get("name")
    if intent == RED_FLAG and (parse.get("intent") or {}).get("confidence") == 1.0:
        return RED_FLAG  # the RedFlagDetector overrides any threshold
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    if not ranking:
        return FALLBACK
    top = ranking[0]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if top["confidence"] < threshold or top["confidence"] - second < ambiguity:
        return FALLBACK
    return top["name"]


def score(gold: Sequence[str], pred: Sequence[str]) -> Scores:
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold))
    oos = [p for g, p in zip(gold, pred, strict=False) if g == "out_of_scope"]
    ins = [p for g, p in zip(gold, pred, strict=False) if g != "out_of_scope"]
    flags = [p for g, p in zip(gold, pred, strict=False) if g == RED_FLAG]
    confusions = Counter((g, p) for g, p in zip(gold, pred, strict=False) if g != p)
    return Scores(
        n=len(gold),
        accuracy=round(float(accuracy_score(gold, pred)), 4),
        macro_f1=round(
            float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0)), 4
        ),
        oos_caught=round(sum(p in REFUSALS for p in oos) / len(oos), 4) if oos else 0.0,
        in_scope_refused=round(sum(p in REFUSALS for p in ins) / len(ins), 4) if ins else 0.0,
        red_flag_recall=round(sum(p == RED_FLAG for p in flags) / len(flags), 4) if flags else 0.0,
        confusions=[(g, p, c) for (g, p), c in confusions.most_common(10)],
    )


def evaluate(
    model: Path, examples: Sequence[Example], threshold: float, ambiguity: float
) -> tuple[Scores, list[dict[str, Any]]]:
    parses = parse_all(model, [e.text for e in examples])
    pred = [predicted_intent(p, threshold, ambiguity) for p in parses]
    return score([e.intent for e in examples], pred), parses


def sweep_thresholds(
    examples: Sequence[Example],
    parses: Sequence[dict[str, Any]],
    thresholds: Sequence[float] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
    ambiguity: float = 0.1,
) -> list[tuple[float, Scores]]:
    gold = [e.intent for e in examples]
    return [
        (t, score(gold, [predicted_intent(p, t, ambiguity) for p in parses])) for t in thresholds
    ]
