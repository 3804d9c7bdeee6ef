"""Train the Rasa model only when its inputs changed, and validate the training data.

The training inputs are **assembled** (:func:`assemble_training_data`) into
``var/training/<hash>/``: ``config.yml`` and the repository's ``domain.yml`` and ``data/``,
plus the knowledge-base entries from the clinic database (the published entries:
``bot.content.repository.training_topics``): each entry's intent ``faq_<key>`` is
declared, given its example questions, and listed wherever the hand-written files list
:data:`ENTRY_ANCHOR` (the answer rule, the in-form rules, the forms' ``not_intent``).
Without a database the entries come from the seed (``bot/content/knowledge_base.yml`` and
``kb_examples/``), which gives the very same files as a freshly seeded database.

A model is named by a hash of the assembled files, the custom NLU components and the
pinned dependencies. The same inputs always give the same file name, so a model is
reused from ``models/`` or from the cache folder shared by clones on this machine
(``BOT_MODEL_CACHE``, default ``~/.cache/botox-assistant/models``), and retrained as soon
as any input changes. Training output (thousands of progress lines) goes to
``var/log/train-<hash>.log``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.content.store import ENTRY_INTENT_PREFIX
from bot.settings import Settings, environment, load_settings

logger = logging.getLogger(__name__)

# What shapes a trained model, relative to the project root. Globs are sorted.
MODEL_INPUTS = (
    "config.yml",
    "domain.yml",
    "data/**/*.yml",
    "bot/nlu/*.py",
    "requirements.txt",
)


def subprocess_env(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa subprocesses: quiet TensorFlow, no telemetry, our package."""
    env = environment()
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(settings.project_root), env.get("PYTHONPATH", "")) if p
    )
    env.update(extra or {})
    return env


def input_files(root: Path, patterns: Iterable[str] = MODEL_INPUTS) -> list[Path]:
    files: list[Path] = []
    for pattern in patterns:
        files.extend(sorted(p for p in root.glob(pattern) if p.is_file()))
    return files


def inputs_hash(root: Path, patterns: Iterable[str] = MODEL_INPUTS) -> str:
    digest = hashlib.sha256()
    digest.update(f"python {sys.version_info[:2]}\n".encode())
    for path in input_files(root, patterns):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


# Besides the assembled files, what shapes a model (relative to the project root).
CODE_INPUTS = ("bot/nlu/*.py", "requirements.txt")
FAQ_FILE = "faq_topics.yml"  # the generated files' name (in domain/, data/nlu/, data/rules/)
FaqTopics = list[tuple[str, list[str]]]  # (intent, example questions) per topic


class _LiteralDumper(yaml.SafeDumper):
    """Writes multi-line strings as YAML block literals, as Rasa's own files are."""


_LiteralDumper.add_representer(
    str,
    lambda dumper, data: dumper.represent_scalar(
        "tag:yaml.org,2002:str", data, style="|" if "\n" in data else None
    ),
)


def _dump(data: object) -> bytes:
    return yaml.dump(data, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True).encode()


def seed_faq_topics(root: Path) -> FaqTopics:
    """The entries as a freshly seeded database has them (knowledge_base.yml + kb_examples)."""
    from bot.content.repository import clean_examples, seed_examples
    from bot.content.store import entry_intent

    content = root / "bot" / "content"
    raw = yaml.safe_load((content / "knowledge_base.yml").read_text(encoding="utf-8"))
    examples = seed_examples(content / "kb_examples", root / "data")
    return [
        (entry_intent(key), clean_examples(examples.get(entry_intent(key), [])))
        for key in raw["entries"]
    ]


# Wherever the hand-written files list this entry's intent (a form slot's ``not_intent``,
# a rule's ``or:``), the assembled files list every entry's intent: one place (the
# database) knows the entries, and a new entry works everywhere a question is answered,
# inside the due-date forms included.
ENTRY_ANCHOR = "no_reliable_info"


def _with_entries(listing: list, entries: list[str], as_steps: bool) -> list:
    names = [i.get("intent") if as_steps and isinstance(i, dict) else i for i in listing]
    if ENTRY_ANCHOR not in names:
        return listing
    extra = [e for e in entries if e not in names]
    return listing + ([{"intent": e} for e in extra] if as_steps else extra)


def _domain_with_entries(domain: dict, entries: list[str]) -> dict:
    for slot in (domain.get("slots") or {}).values():
        for mapping in slot.get("mappings") or []:
            if isinstance(mapping.get("not_intent"), list):
                mapping["not_intent"] = _with_entries(mapping["not_intent"], entries, False)
    return domain


def _rules_with_entries(raw: dict, entries: list[str]) -> bool:
    changed = False
    for rule in raw.get("rules") or []:
        for step in rule.get("steps") or []:
            if isinstance(step, dict) and isinstance(step.get("or"), list):
                extended = _with_entries(step["or"], entries, True)
                changed = changed or extended is not step["or"]
                step["or"] = extended
    return changed


def assemble_training_files(root: Path, faq_topics: FaqTopics | None = None) -> dict[str, bytes]:
    """The training inputs (relative path -> content), entries' examples from ``faq_topics``.

    Every entry's intent is declared, and listed wherever :data:`ENTRY_ANCHOR` is (the
    answer rule, the in-form rules, the forms' ``not_intent``), so that nothing
    hand-written names an entry.
    """
    topics = seed_faq_topics(root) if faq_topics is None else faq_topics
    # An entry without example questions cannot be learnt (publishing needs 5).
    topics = [(intent, examples) for intent, examples in topics if examples]
    faq_intents = {intent for intent, _ in topics}
    files: dict[str, bytes] = {"config.yml": (root / "config.yml").read_bytes()}
    domain = yaml.safe_load((root / "domain.yml").read_bytes())
    known = set(domain.get("intents") or [])
    # Entries asked for with faq_<key>; the four with intents of their own are hand-listed
    # where they belong (the handoff rules answer two of them differently).
    entry_intents = [intent for intent, _ in topics if intent.startswith(ENTRY_INTENT_PREFIX)]
    new_intents = [intent for intent, _ in topics if intent not in known]
    files["domain/domain.yml"] = _dump(_domain_with_entries(domain, entry_intents))
    if new_intents:
        files[f"domain/{FAQ_FILE}"] = _dump({"version": "3.1", "intents": new_intents})
    data = root / "data"
    for path in sorted(p for p in data.glob("**/*.yml") if p.is_file()):
        rel = f"data/{path.relative_to(data).as_posix()}"
        content = path.read_bytes()
        raw = yaml.safe_load(content) or {}
        if path.parent == data / "nlu":
            items = raw.get("nlu") or []
            kept = [
                i for i in items if not (isinstance(i, dict) and i.get("intent") in faq_intents)
            ]
            if len(kept) != len(items):
                content = _dump({**raw, "nlu": kept})
        elif _rules_with_entries(raw, entry_intents):
            content = _dump(raw)
        files[rel] = content
    files[f"data/nlu/{FAQ_FILE}"] = _dump(
        {
            "version": "3.1",
            "nlu": [
                {"intent": intent, "examples": "".join(f"- {e}\n" for e in examples)}
                for intent, examples in topics
            ],
        }
    )
    return files


@dataclass(frozen=True)
class TrainingData:
    folder: Path
    hash: str

    @property
    def model_name(self) -> str:
        return f"model-{self.hash}"


def training_hash(root: Path, files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    digest.update(f"python {sys.version_info[:2]}\n".encode())
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + files[rel] + b"\0")
    for path in input_files(root, CODE_INPUTS):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:20]


def assemble_training_data(settings: Settings, faq_topics: FaqTopics | None = None) -> TrainingData:
    """Write the assembled training inputs to ``var/training/<hash>/`` (once per hash)."""
    root = settings.project_root
    files = assemble_training_files(root, faq_topics)
    digest = training_hash(root, files)
    folder = settings.var_dir / "training" / digest
    if not (folder / ".complete").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        for rel, content in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(content)
        (folder / ".complete").write_text("")
    return TrainingData(folder=folder, hash=digest)


def database_faq_topics(url: str) -> FaqTopics:
    """The published topics' example questions in the clinic database at ``url``."""
    from bot.content.repository import training_topics
    from bot.db.session import session_scope

    with session_scope(url) as session:
        return training_topics(session)


def model_cache_dir() -> Path:
    return load_settings().model_cache


@dataclass(frozen=True)
class TrainResult:
    model: Path
    trained: bool
    seconds: float
    log_file: Path | None


class TrainingFailed(RuntimeError):
    pass


def ensure_spacy_pipeline(settings: Settings) -> None:
    from bot.nlu.spacy_pipeline import VectorsUnavailable, ensure_pipeline

    try:
        built = ensure_pipeline(settings.spacy_model_dir)
    except VectorsUnavailable as exc:
        raise TrainingFailed(f"the spaCy pipeline needs its word vectors: {exc}") from exc
    if built:
        logger.info("built the offline spaCy pipeline at %s", settings.spacy_model_dir)


def ensure_model(
    settings: Settings | None = None,
    *,
    force: bool = False,
    faq_topics: FaqTopics | None = None,
    training: TrainingData | None = None,
) -> TrainResult:
    """Return a trained model for the current inputs, training only when needed.

    The FAQ examples are ``faq_topics`` (from the database: :func:`database_faq_topics`),
    or those of the seed when None; ``training`` is an already assembled folder.
    """
    settings = settings or load_settings()
    root = settings.project_root
    ensure_spacy_pipeline(settings)
    training = training or assemble_training_data(settings, faq_topics)
    name = training.model_name
    target = settings.models_dir / f"{name}.tar.gz"
    cached = model_cache_dir() / target.name
    if not force:
        if target.is_file():
            return TrainResult(target, trained=False, seconds=0.0, log_file=None)
        if cached.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(cached, target)
            return TrainResult(target, trained=False, seconds=0.0, log_file=None)

    log_dir = settings.var_dir / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"train-{name}.log"
    started = time.monotonic()
    cmd = [
        sys.executable, "-m", "rasa", "train",
        "--config", str(training.folder / "config.yml"),
        "--domain", str(training.folder / "domain"), "--data", str(training.folder / "data"),
        "--out", str(settings.models_dir), "--fixed-model-name", name,
    ]  # fmt: skip
    with log_file.open("w") as log:
        proc = subprocess.run(
            cmd, cwd=root, env=subprocess_env(settings), stdout=log, stderr=subprocess.STDOUT
        )
    seconds = time.monotonic() - started
    if proc.returncode != 0 or not target.is_file():
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-15:])
        raise TrainingFailed(f"rasa train failed (exit {proc.returncode}); log {log_file}:\n{tail}")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, cached)
    except OSError as exc:  # a cache we cannot write is not an error
        logger.warning("could not cache the model: %s", exc)
    return TrainResult(target, trained=True, seconds=seconds, log_file=log_file)


def validate_data(
    settings: Settings | None = None, training: TrainingData | None = None
) -> subprocess.CompletedProcess:
    """Run ``rasa data validate`` on the assembled training inputs (the seed's, or
    ``training``); output captured (it is short)."""
    settings = settings or load_settings()
    ensure_spacy_pipeline(settings)
    # The repository's files alone are not a whole assistant (the entries come from the
    # seed or the database): validate what is trained, the assembled inputs.
    folder = (training or assemble_training_data(settings)).folder
    paths = ["--config", str(folder / "config.yml"), "--domain", str(folder / "domain"),
             "--data", str(folder / "data")]  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings", *paths],
        cwd=settings.project_root, env=subprocess_env(settings),
        capture_output=True, text=True,
    )  # fmt: skip
