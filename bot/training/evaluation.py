"""Measure understanding on the question bank: the figures that matter here.

The labels are those of the question bank (``tests/nlu/bank/``): a knowledge-base entry
(``total_dose``...) or ``no_reliable_info``, ``own_experience``, ``red_flag``,
``personal_advice``, ``next_due_date``, ``request_human``, ``out_of_scope``, ``chitchat``,
``privacy``. A parse is turned into what the patient gets (:func:`outcome`): an answer (the
label answered), or a refusal (``nlu_fallback``: "Did you mean ...?" with candidates), as
the FallbackClassifier and ``action_handle_fallback`` would do.

* **answered right**: the share answered with the right label (the issue's 95%);
* **right among candidates**: answered right, or refused with the right entry among the
  "Did you mean ...?" buttons (99%);
* **in-scope refused**: of the in-scope questions, the share refused or called out of scope;
* **out-of-scope caught**: of the ``out_of_scope`` ones, the share not answered as a
  question the assistant answers;
* **confident and wrong**: of the answers given (not refused), the share that is wrong;
* **red-flag recall**: of the ``red_flag`` ones, the share given the emergency advice;
* accuracy without the fallback (the classifier's own top guess) and macro-F1, and the
  confusion pairs that remain.

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
CANDIDATES = 3
# The figures of :class:`Scores`, in the order the CLI and the bench print them.
FIGURES = (
    "answered_right",
    "right_among_candidates",
    "in_scope_refused",
    "oos_caught",
    "confident_wrong",
    "red_flag_recall",
    "top_accuracy",
    "macro_f1",
)
# Model intents -> question-bank labels (entries' intents faq_<key> -> <key>).
INTENT_LABELS = {
    "report_red_flag": "red_flag",
    "ask_personal_advice": "personal_advice",
    "ask_next_due_date": "next_due_date",
    "choose_record_lookup": "next_due_date",
    "choose_date_calculation": "next_due_date",
    "request_human": "request_human",
    "request_callback": "request_human",
    "ask_privacy": "privacy",
    "ask_what_you_know": "privacy",
    "forget_me": "privacy",
    **{
        i: "chitchat"
        for i in (
            "greet",
            "goodbye",
            "thank",
            "bot_challenge",
            "ask_capabilities",
            "affirm",
            "deny",
        )
    },
}


def label_of(intent: str | None) -> str:
    """The question-bank label of a model intent."""
    from bot.content.store import entry_key

    if not intent:
        return FALLBACK
    # The bank's own labels first: request_human is also the "contact" entry's intent,
    # and the bank calls it request_human.
    return INTENT_LABELS.get(intent) or entry_key(intent) or intent


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # the label


@dataclass(frozen=True)
class Outcome:
    label: str  # what was answered, or nlu_fallback
    top: str  # the classifier's own best guess, before the fallback
    candidates: tuple[str, ...]  # "Did you mean ...?" entries (refused) / the answer


@dataclass(frozen=True)
class Scores:
    n: int
    answered_right: float
    right_among_candidates: float
    in_scope_refused: float
    oos_caught: float
    confident_wrong: float
    red_flag_recall: float
    top_accuracy: float
    macro_f1: float
    confusions: list[tuple[str, str, int]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_bank(path: Path) -> list[Example]:
    """The questions of a question-bank file (``tests/nlu/bank/*.yml``) with their labels."""
    import yaml

    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return [
        Example(str(q["text"]), str(q["label"]))
        for q in raw.get("questions") or []
        if q.get("text") and q.get("label")
    ]


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


def outcome(parse: dict[str, Any], threshold: float, ambiguity: float) -> Outcome:
    """What the patient gets for a parse under a FallbackClassifier setting."""
    intent = (parse.get("intent") or {}).get("name")
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    top = label_of(ranking[0]["name"]) if ranking else FALLBACK
    if intent == RED_FLAG and (parse.get("intent") or {}).get("confidence") == 1.0:
        return Outcome(label_of(RED_FLAG), top, ())  # the RedFlagDetector overrides any threshold
    if not ranking:
        return Outcome(FALLBACK, FALLBACK, ())
    first = ranking[0]["confidence"]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if first < threshold or first - second < ambiguity:
        from bot.content.store import entry_key

        entries = [entry_key(r["name"]) for r in ranking]
        candidates = tuple(e for e in entries if e)[:CANDIDATES]
        return Outcome(FALLBACK, top, candidates)
    return Outcome(top, top, (top,))


def predicted_intent(parse: dict[str, Any], threshold: float, ambiguity: float) -> str:
    """The label a parse is answered with under a FallbackClassifier setting."""
    return outcome(parse, threshold, ambiguity).label


def score(gold: Sequence[str], outcomes: Sequence[Outcome]) -> Scores:
    from sklearn.metrics import f1_score

    n = len(gold)
    pairs = list(zip(gold, outcomes, strict=True))
    pred = [o.label for o in outcomes]
    labels = sorted(set(gold))
    oos = [o for g, o in pairs if g == "out_of_scope"]
    ins = [o for g, o in pairs if g != "out_of_scope"]
    flags = [o for g, o in pairs if g == "red_flag"]
    answered = [(g, o) for g, o in pairs if o.label not in REFUSALS]
    confusions = Counter((g, o.label) for g, o in pairs if g != o.label)

    def share(count: int, total: int) -> float:
        return round(count / total, 4) if total else 0.0

    return Scores(
        n=n,
        answered_right=share(sum(g == o.label for g, o in pairs), n),
        right_among_candidates=share(
            sum(g == o.label or (o.label == FALLBACK and g in o.candidates) for g, o in pairs), n
        ),
        in_scope_refused=share(sum(o.label in REFUSALS for o in ins), len(ins)),
        oos_caught=share(sum(o.label in REFUSALS for o in oos), len(oos)),
        confident_wrong=share(sum(g != o.label for g, o in answered), len(answered)),
        red_flag_recall=share(sum(o.label == "red_flag" for o in flags), len(flags)),
        top_accuracy=share(sum(g == o.top for g, o in pairs), n),
        macro_f1=round(
            float(f1_score(list(gold), pred, labels=labels, average="macro", zero_division=0)), 4
        ),
        confusions=[(g, p, c) for (g, p), c in confusions.most_common(12)],
    )


def evaluate(
    model: Path, examples: Sequence[Example], threshold: float, ambiguity: float
) -> tuple[Scores, list[dict[str, Any]]]:
    parses = parse_all(model, [e.text for e in examples])
    outcomes = [outcome(p, threshold, ambiguity) for p in parses]
    return score([e.intent for e in examples], outcomes), parses


def sweep_thresholds(
    examples: Sequence[Example],
    parses: Sequence[dict[str, Any]],
    thresholds: Sequence[float] = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
    ambiguity: float = 0.1,
) -> list[tuple[float, Scores]]:
    gold = [e.intent for e in examples]
    return [(t, score(gold, [outcome(p, t, ambiguity) for p in parses])) for t in thresholds]
