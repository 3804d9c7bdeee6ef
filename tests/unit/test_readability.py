"""Answers patients see first read at grade 8 or lower (Flesch-Kincaid, textstat)."""

from __future__ import annotations

from bot.content.readability import grade, plain_text
from bot.content.store import get_content

MAX_GRADE = 8.0


def test_every_seed_answer_reads_at_grade_8_or_lower() -> None:
    over = {k: round(grade(e.answer), 1) for k, e in get_content().entries.items()}
    assert {k: g for k, g in over.items() if g > MAX_GRADE} == {}


def test_the_measure_ignores_markdown_and_placeholders() -> None:
    assert plain_text("**Yes.** Call {clinic_phone}.\n- the neck") == "Yes. Call.\nthe neck."
    assert grade("The cat sat. The dog ran.") < grade(
        "Onabotulinumtoxin administration necessitates considerable anatomical understanding."
    )
