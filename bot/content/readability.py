"""Reading level of the knowledge-base answers (bot/content/knowledge_base.yml).

Prints, for every entry, the Flesch-Kincaid grade (textstat) and
the word count, then a summary: max, mean and the answers over the target grade.

Before measuring, the safe-Markdown marks are stripped: ``**`` and a leading ``- `` on
list lines, and the ``{clinic_phone}`` placeholder is removed; a decimal point ("8.4") is
dropped so that textstat does not count it as the end of a sentence. A list item without end
punctuation is read as a sentence of its own (a full stop is added), because a reader
takes each bullet as a separate unit; the "raw" column shows the grade without that.

    python -m bot readability [FILE] [--max-grade 8.0] [--strict]

``--strict`` exits 1 when an answer is over the target (for use in checks).
Needs ``textstat`` (measured with textstat 0.7.4).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

import textstat
import yaml

DEFAULT_FILE = Path(__file__).with_name("knowledge_base.yml")
_PLACEHOLDER_RE = re.compile(r"\{[a-z_]+\}")
_LIST_RE = re.compile(r"^\s*-\s+")
_DECIMAL_RE = re.compile(r"(\d)\.(\d)")


def plain_text(markdown: str, list_items_as_sentences: bool = True) -> str:
    """The answer as a reader hears it: no Markdown marks, no placeholder."""
    lines = []
    for line in markdown.replace("**", "").splitlines():
        is_item = bool(_LIST_RE.match(line))
        line = _LIST_RE.sub("", line)
        line = _PLACEHOLDER_RE.sub("", line)
        line = _DECIMAL_RE.sub(r"\1\2", line)  # "8.4" is one number, not a sentence end
        line = re.sub(r"\s+([.,:;!?)])", r"\1", line).strip()  # "on ." after the placeholder
        if not line:
            continue
        if is_item and list_items_as_sentences and line[-1] not in ".!?":
            line = line.rstrip(",;") + "."
        lines.append(line)
    return "\n".join(lines)


def grade(markdown: str, list_items_as_sentences: bool = True) -> float:
    return textstat.flesch_kincaid_grade(plain_text(markdown, list_items_as_sentences))


# The seed answers are all at grade 8 or under (README, "The knowledge base"); a text this
# short has too few sentences for a grade to mean much.
TARGET_GRADE = 8.0
MIN_WORDS_FOR_GRADE = 25


def reading_level_note(markdown: str, target: float = TARGET_GRADE) -> str | None:
    """A plain-words note when a text reads above ``target`` (None: fine, or too short to
    tell), for the edit page's check while typing."""
    text = plain_text(markdown)
    if textstat.lexicon_count(text) < MIN_WORDS_FOR_GRADE:
        return None
    level = textstat.flesch_kincaid_grade(text)
    if level <= target:
        return None
    return (
        f"Reading level: about grade {level:.0f}; the answers aim for grade {target:.0f} or "
        "under. Shorter sentences and everyday words help."
    )


def answers(data: dict) -> list[tuple[str, str]]:
    return [(key, entry["answer"]) for key, entry in (data.get("entries") or {}).items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--max-grade", type=float, default=8.0)
    parser.add_argument("--strict", action="store_true", help="exit 1 if any answer is over")
    args = parser.parse_args(argv)

    data = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    rows = answers(data)
    grades = []
    over = []
    print(f"{'answer':40} {'grade':>6} {'raw':>6} {'words':>6}")
    for key, text in rows:
        g = grade(text)
        raw = grade(text, list_items_as_sentences=False)
        words = textstat.lexicon_count(plain_text(text))
        grades.append(g)
        flag = ""
        if g > args.max_grade:
            over.append((key, g))
            flag = "  OVER"
        print(f"{key:40} {g:6.1f} {raw:6.1f} {words:6d}{flag}")

    print()
    print(f"textstat {_dist_version()}")
    print(
        f"{len(rows)} answers: max grade {max(grades):.1f}, mean {statistics.mean(grades):.1f}, "
        f"{len(over)} over {args.max_grade:g}"
        + (": " + ", ".join(f"{k} ({g:.1f})" for k, g in over) if over else "")
    )
    return 1 if (over and args.strict) else 0


def _dist_version() -> str:
    try:
        from importlib.metadata import version

        return version("textstat")
    except Exception:  # pragma: no cover - metadata missing
        return "unknown"


def cmd_readability(args: argparse.Namespace) -> int:
    return main(args.rest)


if __name__ == "__main__":
    sys.exit(main())
