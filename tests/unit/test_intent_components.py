"""Our intent components: the phrase book (a training example keeps its label) and the
logistic-regression blend."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import KnownPhraseClassifier, normalise_phrase, phrase_book


def test_case_punctuation_and_spaces_do_not_matter() -> None:
    assert normalise_phrase("  Yes!! ") == "yes"
    assert normalise_phrase("Forget   me, please.") == "forget me please"
    assert normalise_phrase("what\u2019s botox?") == "what's botox"


def test_a_text_given_two_intents_is_left_out() -> None:
    book = phrase_book([("yes", "affirm"), ("Yes.", "affirm"), ("ok", "affirm"), ("OK", "thanks")])
    assert book == {"yes": "affirm"}


def message(text: str, intent: str | None = None) -> Message:
    data = {"text": text}
    if intent:
        data["intent"] = intent
    return Message(data=data)


def test_trained_book_survives_persist_and_load(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("known_phrases")
    component = KnownPhraseClassifier.create({}, storage, resource, None)  # type: ignore[arg-type]
    component.train(TrainingData([message("forget me", "forget_me"), message("hi", "greet")]))

    loaded = KnownPhraseClassifier.load({}, storage, resource, None)  # type: ignore[arg-type]
    guessed = message("Forget me!")
    guessed.set("intent", {"name": "nlu_fallback", "confidence": 0.35})
    guessed.set("intent_ranking", [{"name": "nlu_fallback", "confidence": 0.35}])
    unseen = message("please forget everything about me")
    unseen.set("intent", {"name": "forget_me", "confidence": 0.6})
    loaded.process([guessed, unseen])

    assert guessed.get("intent") == {"name": "forget_me", "confidence": 1.0}
    assert guessed.get("intent_ranking")[0]["name"] == "forget_me"
    assert unseen.get("intent") == {"name": "forget_me", "confidence": 0.6}  # untouched


def test_a_model_without_the_book_loads_empty(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    loaded = KnownPhraseClassifier.load({}, storage, Resource("never_trained"), None)  # type: ignore[arg-type]
    hello = message("hi")
    loaded.process([hello])
    assert hello.get("intent") is None


def test_blend_averages_logistic_regression_with_diets_ranking(tmp_path: Path) -> None:
    import numpy as np
    from scipy.sparse import csr_matrix

    from bot.nlu.components import BlendedLogisticRegression

    component = BlendedLogisticRegression(
        {"weight": 0.5, "ranking_length": 0},
        "blend",
        LocalModelStorage(tmp_path),
        Resource("blend"),
    )
    X = csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0]] * 5))
    component.clf.fit(X, ["a", "b"] * 5)
    component._create_X = lambda messages: csr_matrix(np.array([[1.0, 0.0]]))  # type: ignore[method-assign]
    logreg = dict(zip(component.clf.classes_, component.clf.predict_proba(X[:1])[0], strict=True))

    asked = message("x")
    asked.set(
        "intent_ranking", [{"name": "b", "confidence": 0.9}, {"name": "a", "confidence": 0.1}]
    )
    component.process([asked])

    ranking = {r["name"]: r["confidence"] for r in asked.get("intent_ranking")}
    assert ranking["a"] == 0.5 * logreg["a"] + 0.5 * 0.1
    assert ranking["b"] == 0.5 * logreg["b"] + 0.5 * 0.9
    assert asked.get("intent")["name"] == max(ranking, key=ranking.get)

    # Training data keeps its labels (the parent class would overwrite them).
    data = TrainingData([message("hi", "greet")])
    assert component.process_training_data(data).intent_examples[0].get("intent") == "greet"


def featurised(text: str, intent: str | None, words: list[float], chars: list[float]) -> Message:
    """A message with two featurizers' sparse sentence features, as Rasa's would have."""
    import numpy as np
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix

    m = message(text, intent)
    m.add_features(Features(coo_matrix(np.array([words])), "sentence", "text", "words"))
    m.add_features(Features(coo_matrix(np.array([chars])), "sentence", "text", "chars"))
    return m


def tfidf_component(tmp_path: Path, resource: Resource) -> Any:
    from bot.nlu.components import BlendedLogisticRegression

    config = {"weight": 1.0, "ranking_length": 0, "tfidf": True, "C": 10.0, "class_weight": None}
    return BlendedLogisticRegression(config, "tfidf", LocalModelStorage(tmp_path), resource)


def test_tfidf_scales_each_featurizer_to_unit_length_and_survives_persist_and_load(
    tmp_path: Path,
) -> None:
    import numpy as np

    from bot.nlu.components import BlendedLogisticRegression

    resource = Resource("tfidf")
    component = tfidf_component(tmp_path, resource)
    # "neck" (word 0) only in a's examples, "wear off" (word 1) only in b's; word 2 in all.
    data = [featurised("x", "a", [1, 0, 1], [2, 0]) for _ in range(4)]
    data += [featurised("y", "b", [0, 3, 1], [0, 1]) for _ in range(4)]
    component.train(TrainingData(data))

    X = component._create_X([featurised("q", None, [1, 0, 5], [4, 4])]).toarray()[0]
    assert list(component.idf) == ["chars", "words"]  # blocks in the order of their origin
    chars, words = X[:2], X[2:]
    assert np.isclose(np.linalg.norm(words), 1) and np.isclose(np.linalg.norm(chars), 1)
    # The word every example has weighs less than its count would say (idf), and counts
    # grow slowly (1 + log): five times "word 2" is not five times one "neck".
    assert words[2] / words[0] < 5 * (component.idf["words"][2] / component.idf["words"][0])
    assert component.idf["words"][2] < component.idf["words"][0]

    loaded = BlendedLogisticRegression.load(
        {"weight": 1.0, "ranking_length": 0, "tfidf": True, "C": 10.0, "class_weight": None},
        LocalModelStorage(tmp_path),
        resource,
        SimpleNamespace(node_name="tfidf"),  # type: ignore[arg-type]
    )
    asked = [
        featurised("neck?", None, [1, 0, 0], [1, 0]),
        featurised("off?", None, [0, 1, 0], [0, 1]),
    ]
    before = component.process([featurised("neck?", None, [1, 0, 0], [1, 0])])[0]
    loaded.process(asked)
    assert [m.get("intent")["name"] for m in asked] == ["a", "b"]
    assert asked[0].get("intent")["confidence"] == before.get("intent")["confidence"]


def test_without_tfidf_the_features_are_rasas_raw_counts(tmp_path: Path) -> None:
    from bot.nlu.components import BlendedLogisticRegression

    component = BlendedLogisticRegression(
        {"weight": 1.0}, "raw", LocalModelStorage(tmp_path), Resource("raw")
    )
    X = component._create_X([featurised("q", None, [1, 0, 5], [4, 4])]).toarray()[0]
    assert list(X) == [1, 0, 5, 4, 4]
