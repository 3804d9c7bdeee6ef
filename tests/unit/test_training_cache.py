"""The model cache key: any input change retrains, nothing else does."""

from __future__ import annotations

from bot.training.build import inputs_hash


def make_project(root):
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "bot" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text("pipeline: []\n")
    (root / "domain.yml").write_text("intents: []\n")
    (root / "data" / "nlu" / "a.yml").write_text("nlu: []\n")
    (root / "bot" / "nlu" / "components.py").write_text("X = 1\n")
    (root / "requirements.txt").write_text("rasa==3.6.21\n")
    (root / "README.md").write_text("docs\n")


def test_hash_is_stable(tmp_path) -> None:
    make_project(tmp_path)
    assert inputs_hash(tmp_path) == inputs_hash(tmp_path)


def test_hash_changes_with_each_input(tmp_path) -> None:
    make_project(tmp_path)
    seen = {inputs_hash(tmp_path)}
    for rel in ["config.yml", "domain.yml", "data/nlu/a.yml", "bot/nlu/components.py",
                "requirements.txt"]:  # fmt: skip
        path = tmp_path / rel
        path.write_text(path.read_text() + "# changed\n")
        seen.add(inputs_hash(tmp_path))
    assert len(seen) == 6


def test_new_training_file_changes_the_hash(tmp_path) -> None:
    make_project(tmp_path)
    before = inputs_hash(tmp_path)
    (tmp_path / "data" / "nlu" / "b.yml").write_text("nlu: []\n")
    assert inputs_hash(tmp_path) != before


def test_docs_do_not_change_the_hash(tmp_path) -> None:
    make_project(tmp_path)
    before = inputs_hash(tmp_path)
    (tmp_path / "README.md").write_text("new docs\n")
    assert inputs_hash(tmp_path) == before
