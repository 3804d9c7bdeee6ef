"""Rule-based Rasa NLU components built on spaCy's ``Matcher`` (no model weights needed).

Both read the spaCy ``Doc`` that Rasa's ``SpacyNLP`` puts on each message (lower-cased,
with lookup lemmas), so they must come after ``SpacyNLP`` in ``config.yml``.

* :class:`InjectionAreaExtractor` finds the body area a patient asks about ("do you inject
  my neck?", "why the shoulders?") and emits an ``injection_area`` entity whose value is a
  canonical area key (``neck``, ``shoulders``...: ``bot.content.answers.AREA_ENTRIES``) or,
  for an area outside the protocol, the lay word ("jaw").
* :class:`KnownPhraseClassifier` gives a message that is, word for word, one of the
  training examples that example's intent. A statistical classifier spreads its
  confidence over ~70 intents, so even "yes" or "forget me" (training examples both) can
  fall under the fallback threshold; what staff or we wrote as an example is an answer key.
* :class:`NamedMedicineDetector` sends a question about another named medicine ("is it safe
  to take warfarin with Botox?") to ``no_reliable_info``: the facts sheet has nothing on
  other medicines, so the only right answer is "no reliable information, ask the clinic",
  never a general entry that happens to share the question's other words.
* :class:`RedFlagDetector` is the safety net for the boxed-warning symptoms (trouble
  swallowing, speaking or breathing, double vision, general weakness). When it matches,
  the intent becomes ``report_red_flag`` with confidence 1.0, whatever the classifier
  thought, so the emergency advice is never lost to a low-confidence prediction. The
  classifier's own ranking is kept below it, so the answer can still address anything
  else the patient asked. It errs on the side of safety: a hypothetical "can it cause
  trouble swallowing?" also gets the emergency advice first.

The matching logic lives in plain classes (:class:`AreaMatcher`, :class:`RedFlagMatcher`)
that unit tests call on a spaCy ``Doc`` without Rasa.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.preprocessing import normalize
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

RED_FLAG_INTENT = "report_red_flag"
FALLBACK_INTENT = "nlu_fallback"
AREA_ENTITY = "injection_area"

_ARTICLE = {"LOWER": {"IN": ["the", "my", "your", "his", "her", "our", "their"]}, "OP": "?"}

# Canonical area key -> token patterns. Lemmas come from the lookup lemmatizer
# ("shoulders" -> "shoulder"); the text is lower-cased by SpacyNLP (case_sensitive: false).
PROTOCOL_AREAS: dict[str, list[list[dict[str, Any]]]] = {
    "eyebrows": [
        [{"LEMMA": {"IN": ["eyebrow", "eyebrows", "glabella", "corrugator"]}}],
        [{"LOWER": "between"}, _ARTICLE, {"LEMMA": {"IN": ["eye", "eyes", "brow", "brows"]}}],
        [{"LOWER": "frown"}, {"LEMMA": {"IN": ["line", "lines"]}}],
    ],
    "bridge_of_nose": [
        [{"LEMMA": "bridge"}, {"LOWER": "of"}, _ARTICLE, {"LEMMA": "nose"}],
        [{"LEMMA": {"IN": ["nose", "procerus"]}}],
    ],
    "forehead": [[{"LEMMA": {"IN": ["forehead", "brow", "frontalis"]}}]],
    "temples": [
        [{"LEMMA": {"IN": ["temple", "temples", "temporalis"]}}],
        [{"LEMMA": "side"}, {"LOWER": "of"}, _ARTICLE, {"LEMMA": {"IN": ["head", "skull"]}}],
    ],
    "back_of_head": [
        [{"LOWER": "back"}, {"LOWER": "of"}, _ARTICLE, {"LEMMA": {"IN": ["head", "skull"]}}],
        [{"LOWER": "base"}, {"LOWER": "of"}, _ARTICLE, {"LEMMA": "skull"}],
        [{"LEMMA": {"IN": ["occipital", "occipitalis"]}}],
    ],
    "neck": [[{"LEMMA": {"IN": ["neck", "paraspinal", "cervical"]}}]],
    "shoulders": [
        [{"LEMMA": {"IN": ["shoulder", "shoulders", "trapezius", "trap", "traps"]}}],
        [{"LOWER": "upper"}, {"LOWER": "back"}],
    ],
}

# Areas patients ask about that the chronic-migraine protocol does not include.
# The entity value is the lay word, shown back to the patient.
OTHER_AREAS: dict[str, list[list[dict[str, Any]]]] = {
    "jaw": [[{"LEMMA": {"IN": ["jaw", "jaws", "masseter"]}}]],
    "cheeks": [[{"LEMMA": {"IN": ["cheek", "cheeks"]}}]],
    "lips": [[{"LEMMA": {"IN": ["lip", "lips", "mouth"]}}]],
    "chin": [[{"LEMMA": "chin"}]],
    "eyes": [[{"LEMMA": {"IN": ["eye", "eyes", "eyelid", "eyelids"]}}]],
    "arms": [[{"LEMMA": {"IN": ["arm", "arms", "hand", "hands"]}}]],
    "legs": [[{"LEMMA": {"IN": ["leg", "legs", "foot", "feet"]}}]],
    "lower back": [[{"LOWER": "lower"}, {"LOWER": "back"}]],
    "stomach": [[{"LEMMA": {"IN": ["stomach", "belly", "tummy"]}}]],
}


class _SpanMatcher:
    """A spaCy Matcher compiled lazily for the vocab of the first Doc it sees."""

    def __init__(self, patterns: dict[str, list[list[dict[str, Any]]]]) -> None:
        self._patterns = patterns
        self._matcher: Matcher | None = None
        self._vocab: Vocab | None = None

    def _matcher_for(self, vocab: Vocab) -> Matcher:
        if self._matcher is None or self._vocab is not vocab:
            matcher = Matcher(vocab)
            for label, patterns in self._patterns.items():
                matcher.add(label, patterns)
            self._matcher, self._vocab = matcher, vocab
        return self._matcher

    def spans(self, doc: Doc) -> list[Span]:
        matcher = self._matcher_for(doc.vocab)
        found = [Span(doc, start, end, label=key) for key, start, end in matcher(doc)]
        return filter_spans(found)  # longest match wins ("lower back" over "back")


class AreaMatcher:
    """Finds body areas in a Doc: ``[(canonical_value, start_char, end_char), ...]``."""

    def __init__(self) -> None:
        self._matcher = _SpanMatcher({**PROTOCOL_AREAS, **OTHER_AREAS})

    def find(self, doc: Doc) -> list[tuple[str, int, int]]:
        results: list[tuple[str, int, int]] = []
        seen = set()
        for span in self._matcher.spans(doc):
            if span.label_ in seen:
                continue
            seen.add(span.label_)
            results.append((span.label_, span.start_char, span.end_char))
        return results


# Red flags. A symptom word near a difficulty cue ("trouble swallowing", "can't breathe",
# "hard to swallow", "breathing is difficult"), or a phrase that is a red flag on its own.
_SYMPTOM = {
    "LEMMA": {
        "IN": [
            "swallow",
            "swallowing",
            "breathe",
            "breath",
            "breathing",
            "speak",
            "speaking",
            "speech",
            "talk",
            "talking",
            "air",
            # as patients type them in a hurry
            "swalow",
            "swallo",
            "swollow",
            "swolow",
            "breth",
            "brethe",
            "breathin",
        ]
    }
}
_WORD_CUE = {
    "LEMMA": {
        "IN": [
            "trouble",
            "difficulty",
            "difficult",
            "hard",
            "harder",
            "struggle",
            "struggling",
            "unable",
            "problem",
            "problems",
            "issue",
            "issues",
            "cant",
            "cnt",
            "carnt",
            "cannot",
            "couldnt",
            "hardly",
            "barely",
            "painful",
            "hurt",
            "hurts",
        ]
    }
}
# "can't" / "cannot" / "couldn't" tokenise as can|could + not; "not able".
_CANT = [{"LOWER": {"IN": ["ca", "can", "could"]}}, {"LEMMA": "not"}]
_NOT_ABLE = [{"LEMMA": "not"}, {"LOWER": "able"}]
_GAP: dict[str, Any] = {"IS_ALPHA": True, "OP": "?"}
_WEAK: dict[str, Any] = {"LEMMA": {"IN": ["weak", "weakness"]}}
# "speak" or "talk" followed by "to"/"with"/"about" is about talking to someone ("I can't
# speak to anyone at the clinic"), not about speech: those matches are dropped in
# RedFlagMatcher.
_NOT_SYMPTOM_AFTER_SPEAK = {"to", "with", "about"}
_LIMB: dict[str, Any] = {
    "LEMMA": {"IN": ["arm", "arms", "leg", "legs", "limb", "limbs", "body", "head"]}
}
_EYELID: dict[str, Any] = {"LEMMA": {"IN": ["eyelid", "eyelids", "lid", "lids", "eye", "eyes"]}}
_DROOP: dict[str, Any] = {
    "LEMMA": {"IN": ["droop", "drooping", "droopy", "drooped", "heavy", "ptosis", "sag"]}
}

RED_FLAG_PATTERNS: dict[str, list[list[dict[str, Any]]]] = {
    "difficulty_then_symptom": [
        [*cue, *([_GAP] * n), _SYMPTOM]
        for cue in ([_WORD_CUE], _CANT, _NOT_ABLE)
        for n in range(0, 5)
    ],
    "symptom_then_difficulty": [[_SYMPTOM, *([_GAP] * n), _WORD_CUE] for n in range(0, 4)],
    "short_of_breath": [
        [{"LOWER": {"IN": ["short", "shortness"]}}, {"LOWER": "of"}, {"LOWER": "breath"}],
        [{"LOWER": {"IN": ["breathless", "breathlessness", "choking", "suffocating"]}}],
        [{"LEMMA": "choke"}],
        [{"LEMMA": {"IN": ["gasp", "gasping"]}}, {"LOWER": "for", "OP": "?"}, {"LOWER": "air"}],
    ],
    "slurred_speech": [
        [{"LEMMA": {"IN": ["slur", "slurred", "slurring"]}}],
    ],
    # The clinical words, as a patient may have read them on a leaflet.
    "clinical_term": [
        [
            {
                "LOWER": {
                    "IN": [
                        "dysphagia",
                        "dyspnoea",
                        "dyspnea",
                        "dysarthria",
                        "diplopia",
                        "dysphonia",
                    ]
                }
            }
        ],
    ],
    # Trouble speaking as a lost or changed voice.
    "voice": [
        [{"LEMMA": {"IN": ["lose", "lost", "losing"]}}, _GAP, {"LEMMA": "voice"}],
        *[
            [
                {"LEMMA": "voice"},
                *([_GAP] * n),
                {"LOWER": {"IN": ["gone", "weak", "hoarse", "croaky", "changed", "different"]}},
            ]
            for n in range(0, 4)
        ],
    ],
    "double_vision": [
        [{"LOWER": "double"}, {"ORTH": "-", "OP": "?"}, {"LOWER": "vision"}],
        [{"LOWER": "seeing"}, {"LOWER": "double"}],
        [{"LOWER": "see"}, {"LOWER": "double"}],
        [{"LEMMA": {"IN": ["look", "looks", "looking", "seem", "appear"]}}, {"LOWER": "double"}],
        [{"LOWER": {"IN": ["two", "2"]}}, {"LOWER": "of"}, {"LOWER": "everything"}],
        *[[{"LEMMA": "vision"}, *([_GAP] * n), {"LOWER": "double"}] for n in range(0, 4)],
    ],
    # Trouble swallowing or breathing in patients' words: "food keeps getting stuck in my
    # throat", "my throat is closing".
    "throat": [
        [
            {"LEMMA": "throat"},
            *([_GAP] * n),
            {
                "LEMMA": {
                    "IN": ["close", "closing", "tight", "tighten", "swell", "swollen", "block"]
                }
            },
        ]
        for n in range(0, 6)
    ]
    + [
        [
            {"LEMMA": {"IN": ["food", "drink", "water", "pill", "tablet", "drinks"]}},
            *([_GAP] * n),
            {"LOWER": "stuck"},
        ]
        for n in range(0, 4)
    ],
    # Trouble speaking: "my words are coming out wrong".
    "speech_words": [
        [
            {"LEMMA": {"IN": ["word", "words"]}},
            *([_GAP] * n),
            {"LEMMA": {"IN": ["wrong", "jumble", "jumbled", "muddle", "muddled", "garbled"]}},
        ]
        for n in range(0, 6)
    ],
    "general_weakness": [
        [
            {"LOWER": {"IN": ["general", "generalised", "generalized", "whole-body"]}},
            {"LOWER": "muscle", "OP": "?"},
            {"LEMMA": {"IN": ["weakness", "weak"]}},
        ],
        [{"LEMMA": {"IN": ["weak", "weakness"]}}, {"LOWER": "all"}, {"LOWER": "over"}],
        [
            {"LOWER": "whole"},
            {"LOWER": "body"},
            _GAP,
            _GAP,
            {"LEMMA": {"IN": ["weak", "weakness"]}},
        ],
        [
            {"LEMMA": {"IN": ["arm", "arms", "leg", "legs"]}},
            _GAP,
            _GAP,
            {"LEMMA": {"IN": ["weak", "weakness"]}},
        ],
        [_WEAK, {"LOWER": {"IN": ["everywhere", "throughout"]}}],
        [_WEAK, {"LOWER": "in"}, _GAP, _GAP, {"LEMMA": {"IN": ["arm", "arms", "leg", "legs"]}}],
        # "I can't lift my arms", "can't hold my head up"
        *[
            [*cant, {"LEMMA": {"IN": ["lift", "raise", "move", "hold"]}}, *([_GAP] * n), _LIMB]
            for cant in (_CANT, [{"LEMMA": {"IN": ["cant", "cnt", "cannot"]}}])
            for n in range(0, 2)
        ],
    ],
}
# Drooping eyelids *with* weakness is a red flag (the boxed warning); a drooping eyelid
# alone is a common side effect, and so is weakness of the injected muscles. Both in one
# message ("my eyelids are drooping and I feel weak"): the emergency advice.
# New general weakness said of oneself ("I feel so weak", "I've got weakness since the
# jabs") with no injected place named: weakness of an injected muscle ("my neck feels
# weak") is a common side effect, not this.
_ANY: dict[str, Any] = {"OP": "?"}
GENERAL_WEAKNESS_PATTERNS: dict[str, list[list[dict[str, Any]]]] = {
    "weak_self": [
        *[
            [
                {"LEMMA": {"IN": ["feel", "feeling", "felt", "so", "very", "really", "extremely"]}},
                *([_ANY] * n),
                {"LEMMA": "weak"},
            ]
            for n in range(0, 2)
        ],
        *[
            [
                {"LOWER": {"IN": ["i", "ive", "im"]}},
                *([_ANY] * n),
                {"LEMMA": {"IN": ["have", "get", "got"]}},
                {"LEMMA": "weakness"},
            ]
            for n in range(0, 2)
        ],
    ],
}
# "will my muscles feel weak?" asks about a side effect; it reports nothing.
_ASKS_IF_RE = re.compile(
    r"^\W*(will|would|can|could|does|do|is|are|might|may|should|what|how|why|when)\b", re.I
)
LOCAL_PARTS = frozenset(
    """neck shoulder shoulders forehead brow brows eyebrow eyebrows face eyelid eyelids lid lids
    eye eyes jaw back head temple temples scalp cheek cheeks mouth smile""".split()
)
EYELID_DROOP_PATTERNS: dict[str, list[list[dict[str, Any]]]] = {
    "eyelid_droop": [
        *[[_EYELID, *([_GAP] * n), _DROOP] for n in range(0, 4)],
        *[[_DROOP, *([_GAP] * n), _EYELID] for n in range(0, 3)],
    ],
}


class RedFlagMatcher:
    """Returns the names of the red-flag rules a Doc matches (empty list: none)."""

    def __init__(self) -> None:
        self._matcher = _SpanMatcher(RED_FLAG_PATTERNS)
        self._droop = _SpanMatcher(EYELID_DROOP_PATTERNS)
        self._weak_self = _SpanMatcher(GENERAL_WEAKNESS_PATTERNS)

    def find(self, doc: Doc) -> list[str]:
        found = {span.label_ for span in self._matcher.spans(doc) if not _talks_to(span)}
        if self._droop.spans(doc) and any(t.lemma_ in ("weak", "weakness") for t in doc):
            found.add("eyelid_droop_with_weakness")
        if (
            self._weak_self.spans(doc)
            and not any(t.lemma_ in LOCAL_PARTS for t in doc)
            and not _ASKS_IF_RE.match(doc.text)
        ):
            found.add("general_weakness")
        return sorted(found)


def _talks_to(span: Span) -> bool:
    """True for "... speak to/with someone": a request to talk, not a speech problem."""
    doc = span.doc
    speak = [t for t in span if t.lemma_ in ("speak", "speaking", "talk", "talking")]
    return bool(speak) and all(
        t.i + 1 < len(doc) and doc[t.i + 1].lower_ in _NOT_SYMPTOM_AFTER_SPEAK for t in speak
    )


class _RuleComponent(GraphComponent):
    """A rule-based component: nothing to train, no configuration."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _RuleComponent:
        return cls()


class _SpacyRuleComponent(_RuleComponent):
    """A rule-based component that reads the Doc that SpacyNLP made."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [SpacyNLP]


def _force_intent(message: Message, name: str) -> None:
    """Make ``name`` the message's intent (confidence 1.0), first in its ranking."""
    forced = {"name": name, "confidence": 1.0}
    ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != name]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class InjectionAreaExtractor(_SpacyRuleComponent, EntityExtractorMixin):
    """Adds ``injection_area`` entities found by :class:`AreaMatcher`."""

    def __init__(self) -> None:
        self._areas = AreaMatcher()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            entities = [
                {
                    ENTITY_ATTRIBUTE_TYPE: AREA_ENTITY,
                    ENTITY_ATTRIBUTE_VALUE: value,
                    ENTITY_ATTRIBUTE_START: start,
                    ENTITY_ATTRIBUTE_END: end,
                    "confidence_entity": 1.0,
                }
                for value, start, end in self._areas.find(doc)
            ]
            if entities:
                message.set(
                    ENTITIES,
                    message.get(ENTITIES, []) + self.add_extractor_name(entities),
                    add_to_output=True,
                )
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagDetector(_SpacyRuleComponent, IntentClassifier):
    """Forces ``report_red_flag`` when :class:`RedFlagMatcher` finds a red-flag symptom.

    Put it last among the intent classifiers (after ``FallbackClassifier``) so that a
    low-confidence or out-of-scope prediction can never hide a red flag.
    """

    def __init__(self) -> None:
        self._red_flags = RedFlagMatcher()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is not None and self._red_flags.find(doc):
                _force_intent(message, RED_FLAG_INTENT)
        return messages


# Code and markup typed or pasted into the chat: SQL fragments, HTML/script tags,
# template braces. Narrow on purpose: a patient's sentence must never match.
_CODE_LIKE = re.compile(
    r"""
    \b(drop|alter|truncate)\s+table\b
    | \bunion\s+(all\s+)?select\b
    | \bselect\s+\*\s+from\b
    | \binsert\s+into\b.*\bvalues\b
    | \bdelete\s+from\s+\w+\s*(;|\bwhere\b)
    | ['"]\s*(or|and)\s+['"]?\w+['"]?\s*=\s*['"]?\w+
    | ;\s*--
    | <\s*/?\s*(script|iframe|img|svg|a|b|i|div|span|p|style|object|embed)\b[^>]*>
    | \bjavascript\s*:
    | \{\{.*\}\}
    | \$\{.*\}
    """,
    re.IGNORECASE | re.VERBOSE,
)


def looks_like_code(text: str) -> bool:
    """True for SQL fragments, markup and template syntax (see ``_CODE_LIKE``)."""
    return bool(_CODE_LIKE.search(text or ""))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CodeLikeInputDetector(_RuleComponent, IntentClassifier):
    """Turns code or markup into ``nlu_fallback`` instead of a guess at a topic.

    A word-based classifier guesses wildly on such text ("DROP TABLE" scored as
    ``cancel``, which left the due-date form). As ``nlu_fallback`` it is, outside a form,
    "sorry, I didn't understand", and inside a form an answer like any other (the forms
    only refuse real intents), so the form's validation explains what a reference or a
    date looks like. Put it after ``FallbackClassifier`` and before ``RedFlagDetector``,
    so a red flag inside markup still wins.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if looks_like_code(message.get(TEXT) or ""):
                _force_intent(message, FALLBACK_INTENT)
        return messages


_NOT_WORD = re.compile(r"[^\w' ]+")
_SPACES = re.compile(r"\s+")


def normalise_phrase(text: str) -> str:
    """A message as the phrase book keys it: lower case, curly quotes straightened,
    punctuation dropped, spaces collapsed ("Yes!" and "yes" are one phrase)."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("\u2019", "'")
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", text)).strip()


def phrase_book(examples: list[tuple[str, str]]) -> dict[str, str]:
    """Normalised example text -> intent, leaving out a text given two intents."""
    book: dict[str, str] = {}
    clashes: set[str] = set()
    for text, intent in examples:
        key = normalise_phrase(text)
        if not key or key in clashes:
            continue
        if book.get(key, intent) != intent:
            clashes.add(key)
            del book[key]
            continue
        book[key] = intent
    return book


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class KnownPhraseClassifier(GraphComponent, IntentClassifier):
    """A message that is exactly a training example gets that example's intent (1.0).

    Put it after ``FallbackClassifier`` (a known phrase is never "not understood") and
    before ``CodeLikeInputDetector`` and ``RedFlagDetector``, which must still win. It
    changes nothing for a message the classifier has not seen, so every figure measured
    on questions that are not training examples (the question bank, cross-validation)
    is the classifier's own.
    """

    FILE = "phrases.json"

    def __init__(
        self, model_storage: ModelStorage, resource: Resource, book: dict[str, str]
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._book = book

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KnownPhraseClassifier:
        return cls(model_storage, resource, {})

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> KnownPhraseClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                book = json.loads((directory / cls.FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            book = {}
        return cls(model_storage, resource, book)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            (m.get(TEXT), m.get(INTENT))
            for m in training_data.intent_examples
            if m.get(TEXT) and m.get(INTENT)
        ]
        self._book = phrase_book(examples)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.FILE).write_text(json.dumps(self._book), encoding="utf-8")
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = self._book.get(normalise_phrase(message.get(TEXT) or ""))
            if intent is not None:
                _force_intent(message, intent)
        return messages


def smooth_idf(documents: int, seen: Any) -> Any:
    """Inverse document frequency, smoothed as scikit-learn's ``TfidfVectorizer`` does:
    ``log((1 + documents) / (1 + seen)) + 1`` (``seen``: a count or an array of counts)."""
    return np.log((1 + documents) / (1 + seen)) + 1


def weighted_mean_vector(doc: Doc, idf: dict[str, float], default_idf: float) -> np.ndarray:
    """The idf-weighted mean of the vectors of a Doc's content words (zeros if none).

    Content words: alphabetic, not a stop word, with a vector. Each weighs its lemma's
    inverse document frequency over the training examples (a word the examples never
    used weighs as the rarest, ``default_idf``), so "botox" or "migraine", in every other
    example, count for little, and the words that tell entries apart count most.
    """
    rows: list[np.ndarray] = []
    weights: list[float] = []
    for token in doc:
        if token.is_alpha and not token.is_stop and token.has_vector:
            rows.append(np.asarray(token.vector))
            weights.append(idf.get(token.lemma_.lower(), default_idf))
    if not rows:
        return np.zeros(doc.vocab.vectors_length, dtype=np.float32)
    return np.average(np.vstack(rows), axis=0, weights=weights).astype(np.float32)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class WordVectorFeaturizer(GraphComponent):
    """Dense features from the spaCy pipeline's pretrained word vectors (GloVe 6B 100d,
    ``bot.nlu.spacy_pipeline``).

    One sentence feature: the idf-weighted mean of the content words' vectors
    (:func:`weighted_mean_vector`; the idf is learnt from the training examples in
    :meth:`train`). No sequence features: nothing in the pipeline reads them (DIET,
    which would, left it; a variant that brings DIET back adds them here). Words the
    training examples never used still land near the ones they did ("ache" near "pain"):
    what the sparse featurizers cannot give.
    Put it after ``SpacyTokenizer``; ``BlendedLogisticRegression`` reads its sentence
    feature as a block of its own (``dense_weight``).
    """

    FILE = "idf.json"

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        name: str,
        idf: dict[str, float],
    ) -> None:
        # No settings of its own: GraphComponent's default configuration (empty) holds.
        self._model_storage = model_storage
        self._resource = resource
        self._name = name
        self.idf = idf

    @classmethod
    def required_components(cls) -> list[type]:
        return [SpacyTokenizer]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> WordVectorFeaturizer:
        return cls(model_storage, resource, execution_context.node_name, {})

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> WordVectorFeaturizer:
        with model_storage.read_from(resource) as directory:
            idf = json.loads((directory / cls.FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, execution_context.node_name, idf)

    @property
    def default_idf(self) -> float:
        return max(self.idf.values(), default=1.0)

    def train(self, training_data: TrainingData) -> Resource:
        docs = [
            e.get(SPACY_DOCS[TEXT])
            for e in training_data.training_examples
            if e.get(SPACY_DOCS[TEXT]) is not None
        ]
        seen: Counter[str] = Counter()
        for doc in docs:
            seen.update({t.lemma_.lower() for t in doc if t.is_alpha})
        self.idf = {w: float(smooth_idf(len(docs), n)) for w, n in seen.items()}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.FILE).write_text(json.dumps(self.idf), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        if not self.idf:
            raise RuntimeError(f"{self._name}: the word weights are learnt in train() first")
        default = self.default_idf
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None or len(doc) == 0 or doc.vocab.vectors_length == 0:
                continue  # no tokens (or no vectors): the classifier reads a zero block
            sentence = weighted_mean_vector(doc, self.idf, default).reshape(1, -1)
            message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, TEXT, self._name))
        return messages


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class BlendedLogisticRegression(LogisticRegressionClassifier):
    """Logistic regression on the featurizers' sparse features, optionally blended.

    * ``tfidf: true`` (what ``config.yml`` uses): each featurizer's sentence counts become
      ``(1 + log count) * idf``, scaled to unit length per featurizer, so a long story does
      not drown its question in counts, words every example has weigh little, and the
      character n-grams (thousands of columns) do not outweigh the words. Off: Rasa's raw
      counts, as its own ``LogisticRegressionClassifier``.
    * ``weight``: each intent's confidence is ``weight * p_logreg + (1 - weight) *
      p_before``, where ``p_before`` is the ranking an earlier classifier (DIET, with
      ``ranking_length: 0``) left on the message; 1.0 is this ranking alone.

    README, "Understanding", has the figures of both settings.
    """

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        # Rasa's own LogisticRegressionClassifier fixes C=1 and balanced class weights;
        # on tf-idf features both were worse on the dev half (README, "Understanding").
        self.clf.set_params(
            C=float(self.config["C"]),
            class_weight=self.config["class_weight"],
        )
        # Per featurizer (its ``origin``): inverse document frequencies, learnt in train().
        self.idf: dict[str, np.ndarray] = {}
        # Dense featurizers (their ``origin``) and their widths, seen in train().
        self.dense: dict[str, int] = {}

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "weight": 0.5,
            # tf-idf: sublinear term frequency times inverse document frequency, each
            # featurizer's block scaled to unit length. Off = Rasa's raw counts.
            "tfidf": False,
            "C": 1.0,
            "class_weight": "balanced",
            # With tfidf: a dense featurizer's sentence vector (unit length) times this,
            # beside the sparse blocks (each of unit length).
            "dense_weight": 1.0,
        }

    def process(self, messages: list[Message]) -> list[Message]:
        if not messages:
            return messages
        weight = float(self.config["weight"])
        probabilities = self.clf.predict_proba(self._create_X(messages))
        for message, row in zip(messages, probabilities, strict=True):
            blended = {
                str(name): weight * float(p) for name, p in zip(self.clf.classes_, row, strict=True)
            }
            for item in message.get(INTENT_RANKING_KEY) or []:
                name = item.get("name")
                if name:
                    blended[name] = blended.get(name, 0.0) + (1 - weight) * float(
                        item.get("confidence") or 0.0
                    )
            ranking: list[dict[str, Any]] = [
                {"name": k, "confidence": v}
                for k, v in sorted(blended.items(), key=lambda kv: -kv[1])
            ]
            length = int(self.config.get("ranking_length") or 0)
            if length > 0:
                ranking = ranking[:length]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    def _blocks(self, message: Message) -> tuple[dict[str, Any], dict[str, Any]]:
        """The message's sentence features of its text, one matrix per featurizer (its
        ``origin``), in one pass: the sparse ones (counts), then the dense ones
        (``WordVectorFeaturizer``)."""
        sparse: dict[str, Any] = {}
        dense: dict[str, Any] = {}
        for feature in message.features:
            if feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE:
                blocks = sparse if feature.is_sparse() else dense
                matrix = csr_matrix(feature.features)
                origin = str(feature.origin)
                blocks[origin] = matrix if origin not in blocks else blocks[origin] + matrix
        return sparse, dense

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        if not self.config["tfidf"]:
            return super()._create_X(messages)
        if not self.idf:
            raise RuntimeError(f"{self.name}: tf-idf weights are learnt in train() first")
        both = [self._blocks(m) for m in messages]
        sparse_rows = [row for row, _ in both]
        dense_rows = [row for _, row in both]
        parts = []
        for origin, idf in self.idf.items():
            block = vstack(
                [row.get(origin, csr_matrix((1, idf.shape[0]))) for row in sparse_rows],
                format="csr",
            )
            block.data = (1 + np.log(np.maximum(block.data, 1e-12))) * idf[block.indices]
            parts.append(normalize(block))
        # Dense blocks (word vectors): unit length, then weighed against the sparse ones.
        for origin, width in self.dense.items():
            block = vstack(
                [row.get(origin, csr_matrix((1, width))) for row in dense_rows], format="csr"
            )
            parts.append(normalize(block) * float(self.config["dense_weight"]))
        return hstack(parts, format="csr")

    def train(self, training_data: TrainingData) -> Resource:
        if self.config["tfidf"]:  # each featurizer's document frequencies, then the fit
            examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
            both = [self._blocks(e) for e in examples]
            rows = [row for row, _ in both]
            self.idf = {}
            for origin in sorted({o for row in rows for o in row}):
                width = max(row[origin].shape[1] for row in rows if origin in row)
                seen = np.zeros(width)
                for row in rows:
                    if origin in row:
                        seen[row[origin].indices] += 1
                self.idf[origin] = smooth_idf(len(rows), seen)
            dense = [row for _, row in both]
            self.dense = {
                origin: max(row[origin].shape[1] for row in dense if origin in row)
                for origin in sorted({o for row in dense for o in row})
            }
        return super().train(training_data)

    def persist(self) -> None:
        super().persist()
        if self.config["tfidf"]:
            with self._model_storage.write_to(self._resource) as model_dir:
                origins = list(self.idf)
                (model_dir / "idf_origins.json").write_text(json.dumps(origins))
                (model_dir / "dense_origins.json").write_text(json.dumps(self.dense))
                np.savez(model_dir / "idf.npz", *[self.idf[o] for o in origins])

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> BlendedLogisticRegression:
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        assert isinstance(component, BlendedLogisticRegression)
        if component.config["tfidf"]:
            with model_storage.read_from(resource) as model_dir:
                origins = json.loads((model_dir / "idf_origins.json").read_text())
                with np.load(model_dir / "idf.npz") as arrays:
                    component.idf = {o: arrays[f"arr_{i}"] for i, o in enumerate(origins)}
                dense_file = model_dir / "dense_origins.json"
                component.dense = json.loads(dense_file.read_text()) if dense_file.is_file() else {}
        return component

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # The parent predicts on the training examples and overwrites their labels;
        # the components after this one (the phrase book) need the labels as written.
        return training_data


NO_RELIABLE_INFO_INTENT = "no_reliable_info"
# Medicines the facts sheet says nothing about together with Botox ("What the bot does not
# know": other named medicines, CGRP medicines). Not the acute (rescue) migraine medicines:
# the sheet covers those (the rescue_medicines entry), so triptans and painkillers are
# not here; other botulinum toxin products have an entry of their own.
OTHER_MEDICINES = frozenset(
    """
    warfarin apixaban eliquis rivaroxaban xarelto edoxaban dabigatran clopidogrel heparin
    anticoagulant anticoagulants erenumab aimovig fremanezumab ajovy galcanezumab emgality
    eptinezumab vyepti rimegepant vydura nurtec atogepant aquipta qulipta ubrogepant
    topiramate topamax propranolol amitriptyline nortriptyline candesartan pizotifen
    flunarizine valproate depakote gabapentin pregabalin lyrica sertraline citalopram
    escitalopram fluoxetine prozac venlafaxine duloxetine mirtazapine antidepressant
    antidepressants antibiotic antibiotics gentamicin amoxicillin doxycycline aminoglycoside
    aminoglycosides baclofen tizanidine diazepam metformin levothyroxine
    prednisolone steroids methotrexate hrt ozempic semaglutide mounjaro tirzepatide
    """.split()
)
# Entries that do answer something about medicines: a question naming one keeps them
# ("I've tried topiramate and propranolol, can I have Botox?" is who_is_it_for).
MEDICINE_ENTRIES = frozenset(
    {
        "faq_rescue_medicines",
        "faq_who_is_it_for",
        "faq_tell_the_clinician",
        "faq_who_should_not_have_it",
        "faq_other_botulinum_products",
        "faq_nhs_eligibility",
        "faq_how_to_get_referred",
    }
)


def names_other_medicine(doc: Doc) -> bool:
    return any(token.lower_ in OTHER_MEDICINES or token.lemma_ in OTHER_MEDICINES for token in doc)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NamedMedicineDetector(_SpacyRuleComponent, IntentClassifier):
    """A question naming another medicine becomes ``no_reliable_info``, when the classifier
    had filed it under a general entry or could not place it (``nlu_fallback``).

    Everything else is left alone: the entries about medicines (:data:`MEDICINE_ENTRIES`),
    the patient's own symptoms, advice about their own treatment (handed to the clinic),
    the due date, the handoff. Put it after ``FallbackClassifier`` and before
    ``RedFlagDetector`` (a red flag still wins).
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            intent = (message.get(INTENT) or {}).get("name") or ""
            general = intent == FALLBACK_INTENT or (
                intent.startswith("faq_") and intent not in MEDICINE_ENTRIES
            )
            if doc is not None and general and names_other_medicine(doc):
                _force_intent(message, NO_RELIABLE_INFO_INTENT)
        return messages
