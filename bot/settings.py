"""Configuration from environment variables, with documented, embedded defaults.

Every setting has a default that works on a laptop with no outside services: a SQLite
file under ``var/`` (git-ignored) and local ports. Production overrides them with
environment variables (see README, "Configuration").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    project_root: Path
    var_dir: Path
    database_url: str
    tracker_store_url: str
    rasa_port: int
    action_port: int
    web_port: int
    clinic_phone: str
    clinic_name: str

    @property
    def models_dir(self) -> Path:
        return self.project_root / "models"

    @property
    def build_dir(self) -> Path:
        return self.project_root / "build"

    @property
    def spacy_model_dir(self) -> Path:
        # Referenced by config.yml (SpacyNLP `model:`); built by `python -m bot spacy-model`.
        return self.build_dir / "spacy_en_lookup"


def load_settings() -> Settings:
    """Read the settings from the environment (call again after changing os.environ)."""
    root = Path(_env("BOT_PROJECT_ROOT", str(PROJECT_ROOT)))
    var_dir = Path(_env("BOT_VAR_DIR", str(root / "var")))
    return Settings(
        project_root=root,
        var_dir=var_dir,
        database_url=_env("DATABASE_URL", f"sqlite:///{var_dir / 'clinic.db'}"),
        # Conversations (Rasa's SQL tracker store): SQLite beside the clinic database.
        tracker_store_url=_env("TRACKER_STORE_URL", f"sqlite:///{var_dir / 'tracker.db'}"),
        rasa_port=int(_env("RASA_PORT", "5005")),
        action_port=int(_env("ACTION_PORT", "5055")),
        web_port=int(_env("WEB_PORT", "8000")),
        # A number from Ofcom's range reserved for drama: clearly a demo value.
        # A real clinic MUST set CLINIC_PHONE (README, "Configuration").
        clinic_phone=_env("CLINIC_PHONE", "020 7946 0000"),
        clinic_name=_env("CLINIC_NAME", "the headache clinic"),
    )
