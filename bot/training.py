"""Train the Rasa model only when its inputs changed, and validate the training data.

A model is named by a hash of everything that shapes it: ``config.yml``, ``domain.yml``,
the training data, the custom NLU components, and the pinned dependencies. The same
inputs always give the same file name, so a model is reused from ``models/`` or from the
cache folder shared by clones on this machine (``BOT_MODEL_CACHE``, default
``~/.cache/botox-assistant/models``), and retrained as soon as any input changes.
Training output (thousands of progress lines) goes to ``var/log/train-<hash>.log``.
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

from bot.settings import Settings, load_settings

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
    env = dict(os.environ)
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


def model_cache_dir() -> Path:
    default = Path.home() / ".cache" / "botox-assistant" / "models"
    return Path(os.environ.get("BOT_MODEL_CACHE") or default)


@dataclass(frozen=True)
class TrainResult:
    model: Path
    trained: bool
    seconds: float
    log_file: Path | None


class TrainingFailed(RuntimeError):
    pass


def ensure_spacy_pipeline(settings: Settings) -> None:
    from bot.nlu.spacy_pipeline import ensure_pipeline

    if ensure_pipeline(settings.spacy_model_dir):
        logger.info("built the offline spaCy pipeline at %s", settings.spacy_model_dir)


def ensure_model(settings: Settings | None = None, *, force: bool = False) -> TrainResult:
    """Return a trained model for the current inputs, training only when needed."""
    settings = settings or load_settings()
    root = settings.project_root
    ensure_spacy_pipeline(settings)
    name = f"model-{inputs_hash(root)}"
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
        "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
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


def validate_data(settings: Settings | None = None) -> subprocess.CompletedProcess:
    """Run ``rasa data validate``; output captured (it is short)."""
    settings = settings or load_settings()
    ensure_spacy_pipeline(settings)
    return subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings",
         "--config", "config.yml", "--domain", "domain.yml", "--data", "data"],
        cwd=settings.project_root, env=subprocess_env(settings),
        capture_output=True, text=True,
    )  # fmt: skip
