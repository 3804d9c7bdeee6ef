"""Build and load the offline spaCy pipeline that Rasa's ``SpacyNLP`` uses.

No pretrained spaCy model can be downloaded on the clinic's build machines or in CI, so
we build a blank English pipeline with the lookup lemmatizer from ``spacy-lookups-data``
("injections" -> "injection", "swallowing" -> "swallow"). It has no word vectors, so its
value is in tokenisation and lemmas: the featurizers see lemmas, and our rule-based
components (``bot.nlu.components``) match on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import spacy
from spacy.language import Language

PIPELINE_NAME = "en_clinic_lookup"


def build_pipeline() -> Language:
    """A blank English pipeline with the lookup lemmatizer, initialised offline."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data; no network
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["built_with"] = spacy.__version__
    nlp.meta["description"] = "Blank English + lookup lemmatizer (offline, no vectors)."
    return nlp


def ensure_pipeline(target: Path) -> bool:
    """Write the pipeline to ``target`` unless an identical one is already there.

    Returns True when it (re)built the pipeline. The spaCy version is part of the check,
    so an upgrade rebuilds it.
    """
    meta_file = target / "meta.json"
    if meta_file.is_file():
        meta = json.loads(meta_file.read_text())
        if meta.get("name") == PIPELINE_NAME and meta.get("built_with") == spacy.__version__:
            return False
    target.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(target)
    return True


def load_pipeline(path: Path) -> Language:
    """Load the pipeline written by :func:`ensure_pipeline` (what ``SpacyNLP`` does)."""
    return spacy.load(path)
