#!/usr/bin/env python3
"""Gate between whoever gathers patient wording from public pages and whoever writes
training data from it (README, "Understanding"; bot/content/kb_examples/README.md,
fifth pass).

Gatherers may glimpse any website in the search tool's results; writers must not read a
`locked` website's text nor anything close to a bank question. This script reads the
gatherers' tab-separated files (``url<TAB>text<TAB>suggested label``) and keeps a row only
when its website is `dev` by the bank's split (with ``--no-bank-sites``, also not one of
the bank's own websites, so that the dev half stays an estimate on unseen wording), and its
text is not close to any question of the bank or of the per-entry end-to-end checks. It
prints counts only: the locked questions are never printed.

    .venv/bin/python scripts/wording_filter.py [--no-bank-sites] OUT.tsv RAW.tsv [RAW.tsv ...]
"""

from __future__ import annotations

import csv
import re
import sys
from difflib import SequenceMatcher
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
from bank_split import site_of, split_of  # noqa: E402

from bot.training.evaluation import load_bank  # noqa: E402

BANK = ROOT / "tests" / "nlu" / "bank"
#: Closer than this to a held-out question (difflib ratio on normalised text, or share of
#: the shorter text's words) and a row is dropped.
TOO_CLOSE = 0.75


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def held_out() -> list[str]:
    texts = [e.text for name in ("dev.yml", "locked.yml") for e in load_bank(BANK / name)]
    checks = yaml.safe_load((ROOT / "tests" / "e2e" / "kb_questions.yml").read_text())
    texts += [t for ts in checks["entries"].values() for t in ts]
    texts += [t for k, ts in checks.items() if k != "entries" for t in ts]
    return [norm(t) for t in texts]


def too_close(text: str, others: list[str]) -> bool:
    words = set(text.split())
    for other in others:
        if text == other:
            return True
        other_words = set(other.split())
        shorter = min(len(words), len(other_words))
        # Containment counts only for questions long enough to be one page's own words
        # ("does botox hurt" is inside half the stories ever written about it).
        if shorter >= 7 and len(words & other_words) / shorter >= TOO_CLOSE:
            return True
        if SequenceMatcher(None, text, other).ratio() >= TOO_CLOSE:
            return True
    return False


def main(out: str, *raw_files: str, bank_sites_too: bool = True) -> None:
    bank_sites = {
        row["host"] for row in csv.DictReader((BANK / "sources.tsv").open(), delimiter="\t")
    }
    others = held_out()
    kept: list[str] = []
    counts = {"rows": 0, "locked site": 0, "bank site": 0, "close to a held-out question": 0}
    seen: set[str] = set()
    for path in raw_files:
        for line in Path(path).read_text().splitlines():
            parts = line.split("\t")
            if len(parts) < 3 or not parts[0].startswith("http"):
                continue
            url, text, label = parts[0].strip(), parts[1].strip(), parts[2].strip()
            counts["rows"] += 1
            if split_of(url) == "locked":
                counts["locked site"] += 1
            elif not bank_sites_too and site_of(url) in bank_sites:
                counts["bank site"] += 1
            elif too_close(norm(text), others):
                counts["close to a held-out question"] += 1
            elif norm(text) not in seen:
                seen.add(norm(text))
                kept.append(f"{url}\t{text}\t{label}")
    Path(out).write_text("\n".join(kept) + "\n")
    print(", ".join(f"{k}: {v}" for k, v in counts.items()) + f"; kept {len(kept)}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--no-bank-sites"]
    if len(args) < 2:
        sys.exit(__doc__)
    main(*args, bank_sites_too="--no-bank-sites" not in sys.argv)
