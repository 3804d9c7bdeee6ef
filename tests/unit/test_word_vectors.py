"""The pretrained word vectors: fetched and checked by hash, built into the spaCy pipeline,
and turned into dense features by ``WordVectorFeaturizer`` (real pipeline, real vectors)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import spacy_pipeline
from bot.nlu.components import WordVectorFeaturizer, weighted_mean_vector


def _tarball(tmp_path: Path, words: list[str], dims: int = 3) -> tuple[Path, str]:
    """A package tarball shaped like the registry's, and its npm-style integrity."""
    rng = np.random.default_rng(0)
    table = {w: [*rng.normal(size=dims).round(4).tolist(), 1.0, i] for i, w in enumerate(words)}
    payload = json.dumps({"words": words, "vectors": table, "dimensions": dims}).encode()
    path = tmp_path / "vectors.tgz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(spacy_pipeline.VECTORS_MEMBER)
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    digest = base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    return path, f"sha512-{digest}"


def test_the_tarball_is_fetched_once_and_checked_by_hash(tmp_path: Path) -> None:
    source, integrity = _tarball(tmp_path, ["pain", "ache"])
    cache = tmp_path / "cache"
    got = spacy_pipeline.fetch_vectors_tarball(source.as_uri(), integrity, cache)
    assert got.parent == cache and got.read_bytes() == source.read_bytes()
    source.unlink()  # the second call uses the cache: no download
    assert spacy_pipeline.fetch_vectors_tarball(source.as_uri(), integrity, cache) == got


def test_a_tarball_that_does_not_match_its_hash_is_refused(tmp_path: Path) -> None:
    source, _ = _tarball(tmp_path, ["pain"])
    wrong = "sha512-" + base64.b64encode(hashlib.sha512(b"something else").digest()).decode()
    cache = tmp_path / "cache"
    with pytest.raises(spacy_pipeline.VectorsUnavailable, match="integrity"):
        spacy_pipeline.fetch_vectors_tarball(source.as_uri(), wrong, cache)
    assert list(cache.iterdir()) == []  # nothing half-written is kept


def test_an_unreachable_registry_is_a_clear_error(tmp_path: Path) -> None:
    missing = (tmp_path / "nowhere.tgz").as_uri()
    with pytest.raises(spacy_pipeline.VectorsUnavailable, match="could not download"):
        spacy_pipeline.fetch_vectors_tarball(missing, "sha512-x", tmp_path / "cache")


def test_vectors_are_read_in_the_packages_order_without_its_extra_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spacy_pipeline, "VECTORS_DIMENSIONS", 3)
    source, _ = _tarball(tmp_path, ["the", "pain", "ache"])
    words, matrix = spacy_pipeline.read_vectors(source)
    assert words == ["the", "pain", "ache"] and matrix.shape == (3, 3)
    nlp = spacy_pipeline.build_pipeline((words, matrix))
    assert nlp("ache")[0].has_vector and not nlp("jab")[0].has_vector
    assert np.allclose(nlp("pain")[0].vector, matrix[1])


def test_the_built_pipeline_has_the_pinned_vectors(spacy_nlp) -> None:
    assert spacy_nlp.meta["word_vectors_integrity"] == spacy_pipeline.VECTORS_INTEGRITY
    assert spacy_nlp.vocab.vectors_length == spacy_pipeline.VECTORS_DIMENSIONS
    assert len(spacy_nlp.vocab.vectors) > 300_000


def test_an_outdated_pipeline_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[bool] = []
    small = (["pain"], np.ones((1, 3), dtype=np.float32))
    monkeypatch.setattr(
        spacy_pipeline, "build_pipeline", lambda: built.append(True) or _real_build(small)
    )
    target = tmp_path / "pipeline"
    assert spacy_pipeline.ensure_pipeline(target) and not spacy_pipeline.ensure_pipeline(target)
    meta = json.loads((target / "meta.json").read_text())
    (target / "meta.json").write_text(json.dumps({**meta, "word_vectors_integrity": "old"}))
    assert spacy_pipeline.ensure_pipeline(target)
    assert built == [True, True]


_real_build = spacy_pipeline.build_pipeline


def _similarity(nlp, a: str, b: str) -> float:
    x, y = (weighted_mean_vector(nlp(t), {}, 1.0) for t in (a, b))
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


def test_unseen_words_land_near_their_meaning(spacy_nlp) -> None:
    # The point of the vectors: "ache" was never needed to learn "pain".
    assert _similarity(spacy_nlp, "my head aches", "headache pain") > _similarity(
        spacy_nlp, "my head aches", "how much does it cost"
    )
    assert _similarity(spacy_nlp, "droopy eyelid", "drooping eyelids") > _similarity(
        spacy_nlp, "droopy eyelid", "when is my next appointment"
    )


def test_the_sentence_vector_weighs_rare_words_and_skips_stop_words(spacy_nlp) -> None:
    doc = spacy_nlp("is the neck sore")
    neck, sore = spacy_nlp.vocab["neck"].vector, spacy_nlp.vocab["sore"].vector
    got = weighted_mean_vector(doc, {"neck": 1.0, "sore": 3.0}, 5.0)
    assert np.allclose(got, (neck + 3 * sore) / 4, atol=1e-5)
    assert not weighted_mean_vector(spacy_nlp("is it the"), {}, 1.0).any()  # stop words only


def _message(nlp, text: str, intent: str | None = None) -> Message:
    m = Message(data={"text": text, **({"intent": intent} if intent else {})})
    m.set(SPACY_DOCS["text"], nlp(text.lower()))
    return m


def test_the_featurizer_learns_its_weights_and_keeps_them(spacy_nlp, tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("word_vectors")
    context = ExecutionContext(graph_schema=None, node_name="word_vectors")  # type: ignore[arg-type]
    featurizer = WordVectorFeaturizer.create({}, storage, resource, context)
    with pytest.raises(RuntimeError, match="learnt in train"):
        featurizer.process([_message(spacy_nlp, "neck")])
    examples = [
        _message(spacy_nlp, "does botox hurt", "a"),
        _message(spacy_nlp, "botox in the neck", "b"),
    ]
    featurizer.train(TrainingData(examples))
    assert featurizer.idf["neck"] > featurizer.idf["botox"]  # "botox" is in every example
    loaded = WordVectorFeaturizer.load({}, storage, resource, context)
    assert loaded.idf == featurizer.idf
    m = _message(spacy_nlp, "is my neck sore")
    loaded.process([m])
    shapes = {(f.type, f.origin): f.features.shape for f in m.features if f.is_dense()}
    assert shapes == {("sentence", "word_vectors"): (1, 100)}


def test_an_empty_message_gets_no_dense_features(spacy_nlp, tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(graph_schema=None, node_name="word_vectors")  # type: ignore[arg-type]
    featurizer = WordVectorFeaturizer.create({}, storage, Resource("word_vectors"), context)
    featurizer.train(TrainingData([_message(spacy_nlp, "does it hurt", "a")]))
    m = _message(spacy_nlp, "")
    featurizer.process([m])
    assert not [f for f in m.features if f.is_dense()]
