"""The FAQ content: validation, and the seed file ``faq.yml``.

Since the staff admin (README, "Staff guide"), the **database** is the source of truth
for what the assistant says (``bot/content/repository.py``); ``faq.yml`` is the
reviewable file that seeds an empty database, and the reference the tests compare the
seeded answers with. This module keeps what both share: the :class:`Content` and
:class:`Topic` types and the validation (:func:`parse_content`, :func:`check_text`),
whose messages are written for clinic staff, not developers.

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

DEFAULT_CONTENT_FILE = Path(__file__).with_name("faq.yml")

MAX_ANSWER_CHARS = 1500
PLACEHOLDERS = {"clinic_phone", "area"}
_PLACEHOLDER_RE = re.compile(r"\{([a-z_]+)\}")
# A safe subset of Markdown: no raw HTML, no scripts, no images.
_HTML_RE = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_IMAGE_RE = re.compile(r"!\[")
_SCRIPT_URL_RE = re.compile(r"\]\(\s*(javascript|data|vbscript):", re.IGNORECASE)


class ContentError(ValueError):
    """The content file is not valid; the message says what to fix, in plain words."""


@dataclass(frozen=True)
class Topic:
    key: str
    intent: str
    title: str
    answer: str
    sources: tuple[str, ...]
    more: str | None = None
    areas: Mapping[str, str] = field(default_factory=dict)
    other_area: str | None = None


@dataclass(frozen=True)
class Content:
    topics: Mapping[str, Topic]
    # Intents of topics staff have taken down: still recognised, no longer answered.
    withdrawn: frozenset[str] = frozenset()

    def by_intent(self, intent: str | None) -> Topic | None:
        for topic in self.topics.values():
            if topic.intent == intent:
                return topic
        return None

    def get(self, key: str | None) -> Topic | None:
        return self.topics.get(key) if key else None

    @property
    def intents(self) -> list[str]:
        return [t.intent for t in self.topics.values()]


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


def parse_content(raw: object) -> Content:
    """Validate the parsed YAML of a content file and build a :class:`Content`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), dict) or not raw["topics"]:
        raise ContentError("The file must have a 'topics:' section with at least one topic.")
    topics: dict[str, Topic] = {}
    seen_intents: dict[str, str] = {}
    for key, spec in raw["topics"].items():
        where = f"Topic '{key}'"
        if not isinstance(spec, dict):
            raise ContentError(f"{where}: expected fields such as intent, title and answer.")
        intent = spec.get("intent")
        if not isinstance(intent, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", intent):
            raise ContentError(f"{where}: 'intent' must be a name like ask_side_effects.")
        if intent in seen_intents:
            raise ContentError(
                f"{where}: intent '{intent}' is already used by topic '{seen_intents[intent]}'."
            )
        seen_intents[intent] = key
        title = spec.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 40:
            raise ContentError(f"{where}: 'title' must be a short label (up to 40 characters).")
        sources = spec.get("sources")
        if not isinstance(sources, list) or not sources:
            raise ContentError(f"{where}: list the 'sources' the facts come from.")
        areas = spec.get("areas") or {}
        if not isinstance(areas, dict):
            raise ContentError(f"{where}: 'areas' must map an area name to its text.")
        topics[key] = Topic(
            key=key,
            intent=intent,
            title=title.strip(),
            answer=_check_text(f"{where}, answer", spec.get("answer")),
            sources=tuple(str(s) for s in sources),
            more=_check_text(f"{where}, more", spec["more"]) if spec.get("more") else None,
            areas={a: _check_text(f"{where}, area '{a}'", t) for a, t in areas.items()},
            other_area=(
                _check_text(f"{where}, other_area", spec["other_area"])
                if spec.get("other_area")
                else None
            ),
        )
    return Content(topics=topics)


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
    """The live content (reloaded when ``faq.yml`` changes)."""
    return _default_cache.get()


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill the ``{placeholder}``s we know; leave any other braces alone."""
    return _PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def iter_texts(content: Content) -> Iterable[tuple[str, str]]:
    """Every (where, text) pair of the content, for checks over all of it."""
    for topic in content.topics.values():
        yield f"{topic.key}.answer", topic.answer
        if topic.more:
            yield f"{topic.key}.more", topic.more
        for area, text in topic.areas.items():
            yield f"{topic.key}.areas.{area}", text
        if topic.other_area:
            yield f"{topic.key}.other_area", topic.other_area
