"""The knowledge base: validation, and the seed file ``knowledge_base.yml``.

The **database** is the source of truth for what the assistant says
(``bot/content/repository.py``); ``knowledge_base.yml`` is the reviewable file that seeds an
empty database, and the reference the tests compare the seeded answers with. This module
keeps what both share: the :class:`Content` and :class:`Entry` types and the validation
(:func:`parse_content`, :func:`check_text`), whose messages are written for clinic staff,
not developers.

An **entry** is one question and its short answer (``total_dose``: "How much Botox is
injected?"), recognised by the NLU intent ``faq_<key>``, with the related entries offered
as follow-up buttons. **Topics** (``side_effects``...) group entries for navigation and
insights. Four entries have intents of their own (:data:`SPECIAL_INTENTS`):
``no_reliable_info`` (a question in the treatment's field the facts sheet does not answer),
``own_experience`` (a patient describing their own symptom after injections),
``personal_advice`` and ``contact`` (asked inside a form; outside, the handoff offer).

:func:`get_content` serves the seed file (reloaded when it changes on disk); a file that
fails validation is never served: the last good content stays and the error is logged.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

logger = logging.getLogger(__name__)

DEFAULT_CONTENT_FILE = Path(__file__).with_name("knowledge_base.yml")

MAX_ANSWER_CHARS = 1500
MAX_QUESTION_CHARS = 200
MAX_RELATED = 3
ENTRY_INTENT_PREFIX = "faq_"
# Entries answered for an intent of their own (not ``faq_<key>``): the rules and the
# answer action treat them specially (README, "Knowledge base").
SPECIAL_INTENTS = {
    "no_reliable_info": "no_reliable_info",
    "own_experience": "own_experience",
    "personal_advice": "ask_personal_advice",
    "contact": "request_human",
}
PLACEHOLDERS = {"clinic_phone"}
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
_KEY_RE = re.compile(r"[a-z][a-z0-9_]*")
# A safe subset of Markdown: no raw HTML, no scripts, no images.
_HTML_RE = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_IMAGE_RE = re.compile(r"!\[")
_SCRIPT_URL_RE = re.compile(r"\]\(\s*(javascript|data|vbscript):", re.IGNORECASE)


def entry_intent(key: str) -> str:
    """The NLU intent that asks for entry ``key``."""
    return SPECIAL_INTENTS.get(key, f"{ENTRY_INTENT_PREFIX}{key}")


def entry_key(intent: str | None) -> str | None:
    """The entry an intent asks for (None for any other intent)."""
    if not intent:
        return None
    for key, special in SPECIAL_INTENTS.items():
        if intent == special:
            return key
    if intent.startswith(ENTRY_INTENT_PREFIX) and len(intent) > len(ENTRY_INTENT_PREFIX):
        return intent[len(ENTRY_INTENT_PREFIX) :]
    return None


class ContentError(ValueError):
    """The content file is not valid; the message says what to fix, in plain words."""


@dataclass(frozen=True)
class Entry:
    key: str
    intent: str
    title: str
    answer: str
    sources: tuple[str, ...]
    question: str | None = None
    topic: str | None = None  # the navigation topic (None: not offered in navigation)
    related: tuple[str, ...] = ()
    more: str | None = None  # optional longer answer for "tell me more"


@dataclass(frozen=True)
class Content:
    entries: Mapping[str, Entry]
    # Navigation topics: key -> title, in display order.
    topics: Mapping[str, str] = field(default_factory=dict)
    # Intents of entries staff have taken down: still recognised, no longer answered.
    withdrawn: frozenset[str] = frozenset()

    def by_intent(self, intent: str | None) -> Entry | None:
        key = entry_key(intent)
        entry = self.entries.get(key) if key else None
        return entry if entry is not None and entry.intent == intent else None

    def get(self, key: str | None) -> Entry | None:
        return self.entries.get(key) if key else None

    @property
    def intents(self) -> list[str]:
        return [e.intent for e in self.entries.values()]

    def in_topic(self, topic: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.topic == topic]


def check_text(where: str, text: object) -> str:
    """The text, stripped, if it is safe to show patients; else :class:`ContentError`."""
    return _check_text(where, text)


def _check_text(where: str, text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ContentError(f"{where}: the text is empty.")
    if len(text) > MAX_ANSWER_CHARS:
        raise ContentError(
            f"{where}: the text is {len(text)} characters long; keep it under "
            f"{MAX_ANSWER_CHARS} so it reads well in a chat."
        )
    if _HTML_RE.search(text) or _SCRIPT_URL_RE.search(text) or _IMAGE_RE.search(text):
        raise ContentError(
            f"{where}: the text contains HTML, a script link or an image. Use plain text "
            "with **bold**, lists and ordinary https:// links only."
        )
    unknown = set(_PLACEHOLDER_RE.findall(text)) - PLACEHOLDERS
    if unknown:
        raise ContentError(
            f"{where}: unknown placeholder(s) {sorted(unknown)}; allowed: {sorted(PLACEHOLDERS)}."
        )
    return text.strip()


def _entry(key: object, spec: object, topics: Mapping[str, str]) -> Entry:
    where = f"Entry '{key}'"
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key) or len(key) > 36:
        raise ContentError(f"{where}: the key must be a short name like total_dose.")
    if not isinstance(spec, dict):
        raise ContentError(f"{where}: expected fields such as title, question and answer.")
    title = spec.get("title")
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > 40:
        raise ContentError(f"{where}: 'title' must be a short label (up to 40 characters).")
    sources = spec.get("sources")
    if not isinstance(sources, list) or not [s for s in sources if str(s).strip()]:
        raise ContentError(f"{where}: list the 'sources' the facts come from.")
    question = spec.get("question")
    if question is not None:
        if not isinstance(question, str) or not question.strip():
            raise ContentError(f"{where}: 'question' must be the question the entry answers.")
        if len(question) > MAX_QUESTION_CHARS or _HTML_RE.search(question):
            raise ContentError(
                f"{where}: 'question' must be plain words, under {MAX_QUESTION_CHARS} characters."
            )
    topic = spec.get("topic")
    if topic is not None and topic not in topics:
        raise ContentError(
            f"{where}: 'topic' must be one of {sorted(topics)} (or left out), not '{topic}'."
        )
    related = spec.get("related") or []
    if not isinstance(related, list) or len(related) > MAX_RELATED:
        raise ContentError(f"{where}: 'related' lists up to {MAX_RELATED} other entries.")
    return Entry(
        key=key,
        intent=entry_intent(key),
        title=title.strip(),
        answer=_check_text(f"{where}, answer", spec.get("answer")),
        sources=tuple(str(s).strip() for s in sources if str(s).strip()),
        question=question.strip() if isinstance(question, str) else None,
        topic=topic,
        related=tuple(str(r) for r in related),
        more=_check_text(f"{where}, more", spec["more"]) if spec.get("more") else None,
    )


def parse_topics(raw: object) -> dict[str, str]:
    """The navigation topics of a knowledge-base file: key -> title."""
    if not isinstance(raw, dict) or not raw:
        raise ContentError("The file must have a 'topics:' section naming the navigation topics.")
    topics = {}
    for key, spec in raw.items():
        title = spec.get("title") if isinstance(spec, dict) else None
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key) or not isinstance(title, str):
            raise ContentError(f"Topic '{key}': give it a key like side_effects and a title.")
        topics[key] = title.strip()
    return topics


def parse_content(raw: object, *, check_related: bool = True) -> Content:
    """Validate the parsed YAML of a knowledge-base file and build a :class:`Content`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("entries"), dict) or not raw["entries"]:
        raise ContentError("The file must have an 'entries:' section with at least one entry.")
    topics = parse_topics(raw.get("topics"))
    entries = {key: _entry(key, spec, topics) for key, spec in raw["entries"].items()}
    if check_related:
        for entry in entries.values():
            for other in entry.related:
                if other not in entries or other == entry.key:
                    raise ContentError(
                        f"Entry '{entry.key}': related entry '{other}' does not exist."
                    )
    return Content(entries=entries, topics=topics)


def load_topics(path: Path = DEFAULT_CONTENT_FILE) -> dict[str, str]:
    """The navigation topics of the seed file (their titles are not edited in the admin)."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return parse_topics(raw.get("topics"))


def load_content(path: Path = DEFAULT_CONTENT_FILE) -> Content:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContentError(f"The content file is not valid YAML: {exc}") from exc
    return parse_content(raw)


class ContentCache:
    """Serves the last valid content of a file, reloading it when the file changes."""

    def __init__(self, path: Path = DEFAULT_CONTENT_FILE) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._content: Content | None = None

    def get(self) -> Content:
        stat = self._path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._content = load_content(self._path)
                except ContentError as exc:
                    if self._content is None:
                        raise
                    logger.error("content file rejected, keeping the last good one: %s", exc)
                self._stamp = stamp
            assert self._content is not None
            return self._content


_default_cache = ContentCache()


def get_content() -> Content:
    """The live content (reloaded when ``knowledge_base.yml`` changes)."""
    return _default_cache.get()


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill the ``{placeholder}``s we know; leave any other braces alone."""
    return _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def iter_texts(content: Content) -> Iterable[tuple[str, str]]:
    """Every (where, text) pair of the content, for checks over all of it."""
    for entry in content.entries.values():
        yield f"{entry.key}.answer", entry.answer
        if entry.more:
            yield f"{entry.key}.more", entry.more
