"""The FAQ content in the database: the one source of truth for the answers.

Topics and every version of their content (answer, "tell me more", example questions,
sources) are rows (``bot.db.faq_models``). Staff change them through the admin pages or
``python -m bot faq``; both call the functions here, which validate first and write an
audit entry for every change.

* An edit saves a new **version** (a draft); nothing patients see changes.
* **Publishing** makes the newest version live: its wording is served on the next patient
  message (:func:`get_live_content`, checked for change per message, no retraining). New
  topics and changed example questions need a new model: ``bot.training.retrain`` notices
  and retrains in the background.
* **Rollback** copies an old version into a new one and publishes it; **take down** stops
  serving a topic (patients asking about it are given the clinic's number).
* **Approval**: an editor cannot publish; :func:`request_approval` marks the newest
  version "awaiting approval" (who asked, when) and an approver's :func:`publish` of it
  is audited as ``approve``, naming who asked. Saving a newer version withdraws the
  request (the approver must review the newest text). Who may do what is the admin
  pages' business (``bot.web.admin``); the terminal, used by the technical team, is not
  limited by roles.
* **Discarding a draft** deletes the versions saved after the live one (they never went
  live); the live version is untouched, the audit log keeps the record.

``seed_topics`` fills an empty database from ``knowledge_base.yml`` (answers) and its
``kb_examples/`` (the example questions of each entry).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.content.store import (
    DEFAULT_CONTENT_FILE,
    SPECIAL_INTENTS,
    Content,
    ContentError,
    Entry,
    check_text,
    entry_intent,
    load_topics,
    parse_content,
)
from bot.db.faq_models import (
    QUESTION_MAX,
    TITLE_MAX,
    TOPIC_KEY_MAX,
    AuditEntry,
    FaqTopic,
    FaqVersion,
)
from bot.db.models import utc_now
from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

PUBLISHED = "published"
DRAFT = "draft"
# Topics of the first content model (11 broad topics), kept with their history by
# migration 0005 and never served.
LEGACY_PREFIX = "legacy_"
# A topic needs this many different example questions before it can be published: fewer
# and the assistant cannot learn to recognise it.
MIN_EXAMPLES = 5
# An example question is a chat message: a short question, or a story of a few sentences
# with the question last, which is how patients write when worried (the widget takes up to
# 1,000 characters). 300 keeps a few sentences and refuses pasted paragraphs.
MAX_EXAMPLE_CHARS = 300
_HTML_RE = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
_KEY_RE = re.compile(r"[a-z][a-z0-9_]*")


def normalise_question(text: str) -> str:
    """How two example questions are compared: case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
    if not slug or not slug[0].isalpha():
        slug = f"topic_{slug}".strip("_")
    return slug[:TOPIC_KEY_MAX].rstrip("_")


# --- the repository's own training data (seed and non-FAQ examples) ------------------------


KB_EXAMPLES_DIR = DEFAULT_CONTENT_FILE.parent / "kb_examples"
# The example files write an entry's intent as Rasa's retrieval-intent form ``faq/<key>``;
# the model's intent is ``faq_<key>`` (bot.content.store.entry_intent).
_RETRIEVAL_PREFIX = "faq/"


def read_nlu_examples(data_dir: Path, folder: str = "nlu") -> dict[str, list[str]]:
    """Every intent's example questions in the ``nlu`` files under ``data_dir``."""
    examples: dict[str, list[str]] = {}
    for path in sorted((data_dir / folder if folder else data_dir).glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in raw.get("nlu") or []:
            if isinstance(item, dict) and "intent" in item:
                intent = str(item["intent"])
                if intent.startswith(_RETRIEVAL_PREFIX):
                    intent = entry_intent(intent[len(_RETRIEVAL_PREFIX) :])
                lines = str(item.get("examples") or "").splitlines()
                examples.setdefault(intent, []).extend(
                    line.strip()[2:].strip() for line in lines if line.strip().startswith("- ")
                )
    return examples


def seed_examples(
    kb_dir: Path = KB_EXAMPLES_DIR, data_dir: Path | None = None
) -> dict[str, list[str]]:
    """The entries' example questions of the seed: ``bot/content/kb_examples/``, and for
    the entries with conversation intents of their own (``ask_personal_advice``,
    ``request_human``) also their examples in ``data/nlu``."""
    examples = read_nlu_examples(kb_dir, folder="")
    conversation = read_nlu_examples(data_dir or PROJECT_ROOT / "data")
    for intent in SPECIAL_INTENTS.values():
        examples[intent] = examples.get(intent, []) + conversation.get(intent, [])
    return examples


# --- versions ---------------------------------------------------------------------------


@dataclass
class TopicDraft:
    """The editable content of an entry (what one version holds)."""

    title: str
    answer: str
    question: str | None = None
    topic: str | None = None  # the navigation topic
    related: list[str] = field(default_factory=list)
    more: str | None = None
    sources: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, version: FaqVersion) -> TopicDraft:
        return cls(
            title=version.title,
            answer=version.answer,
            question=version.question,
            topic=version.group_key,
            related=json.loads(version.related_json or "[]"),
            more=version.more,
            sources=json.loads(version.sources_json),
            examples=json.loads(version.examples_json),
        )

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "question": self.question,
            "topic": self.topic,
            "answer": self.answer,
            "more": self.more,
            "related": list(self.related),
            "sources": list(self.sources),
            "examples": list(self.examples),
        }


def _raw_entry(draft: TopicDraft) -> dict:
    """A draft in the shape of a knowledge-base file's entry (what parse_content checks)."""
    raw: dict = {"title": draft.title, "answer": draft.answer, "sources": list(draft.sources)}
    for name in ("question", "topic", "more"):
        if getattr(draft, name):
            raw[name] = getattr(draft, name)
    if draft.related:
        raw["related"] = list(draft.related)
    return raw


def clean_examples(examples: Iterable[str]) -> list[str]:
    """Stripped, without empty lines or repeats (compared as :func:`normalise_question`)."""
    seen: set[str] = set()
    kept: list[str] = []
    for example in examples:
        text = " ".join(str(example).split())
        norm = normalise_question(text)
        if norm and norm not in seen:
            seen.add(norm)
            kept.append(text)
    return kept


def get_topic(session: Session, key: str) -> FaqTopic:
    topic = session.execute(select(FaqTopic).where(FaqTopic.key == key)).scalar_one_or_none()
    if topic is None:
        raise ContentError(f"There is no topic called '{key}'.")
    return topic


def latest_version(topic: FaqTopic) -> FaqVersion:
    return topic.versions[-1]


def live_version(topic: FaqTopic) -> FaqVersion | None:
    for version in topic.versions:
        if version.number == topic.live_version:
            return version
    return None


def version_of(topic: FaqTopic, number: int) -> FaqVersion:
    for version in topic.versions:
        if version.number == number:
            return version
    raise ContentError(f"Topic '{topic.key}' has no version {number}.")


def _other_examples(
    session: Session, topic: FaqTopic | None, data_dir: Path
) -> dict[str, tuple[str, str]]:
    """Normalised example -> (where, text) for every other topic and non-FAQ intent."""
    taken: dict[str, tuple[str, str]] = {}
    topics = session.execute(select(FaqTopic).order_by(FaqTopic.id)).scalars().all()
    faq_intents = {t.intent for t in topics}
    for other in topics:
        if topic is not None and other.id == topic.id:
            continue
        versions = [v for v in (live_version(other), latest_version(other)) if v is not None]
        label = f"the topic '{latest_version(other).title}'"
        for version in versions:
            for text in json.loads(version.examples_json):
                taken.setdefault(normalise_question(text), (label, text))
    for intent, texts in read_nlu_examples(data_dir).items():
        if intent in faq_intents:
            continue
        for text in texts:
            taken.setdefault(normalise_question(text), (f"the assistant's '{intent}'", text))
    return taken


def validate_draft(
    session: Session,
    topic: FaqTopic | None,
    intent: str,
    draft: TopicDraft,
    *,
    data_dir: Path | None = None,
) -> TopicDraft:
    """Check a topic's content before it is saved or published; the cleaned draft.

    Raises :class:`ContentError` with a message for staff: empty or overlong texts, HTML
    or scripts, no sources, too few example questions, an example question that another
    topic (or another part of the assistant) already uses.
    """
    data_dir = data_dir or PROJECT_ROOT / "data"
    draft.title = " ".join((draft.title or "").split())
    draft.sources = [s.strip() for s in draft.sources if s and s.strip()]
    draft.more = (draft.more or "").strip() or None
    draft.question = " ".join((draft.question or "").split()) or None
    draft.topic = (draft.topic or "").strip() or None
    draft.related = [r.strip() for r in draft.related if r and r.strip()]
    if not draft.title:
        raise ContentError("Give the entry a short title (it is shown on buttons).")
    if len(draft.title) > TITLE_MAX:
        raise ContentError(
            f"The title is {len(draft.title)} characters long; keep it to {TITLE_MAX} or "
            "fewer (it is shown on buttons)."
        )
    check_text("The answer", draft.answer)
    if draft.question and len(draft.question) > QUESTION_MAX:
        raise ContentError(f"Keep the question under {QUESTION_MAX} characters.")
    key = topic.key if topic is not None else "new_entry"
    topics = {k: {"title": t} for k, t in load_topics().items()}
    parse_content({"topics": topics, "entries": {key: _raw_entry(draft)}}, check_related=False)
    known = set(session.execute(select(FaqTopic.key)).scalars())
    for other in draft.related:
        if other not in known or other == key:
            raise ContentError(
                f"'{other}' is not another entry; related entries are given by their key "
                "(shown on each entry's page)."
            )
    draft.answer = draft.answer.strip()
    examples = clean_examples(draft.examples)
    for text in examples:
        if len(text) > MAX_EXAMPLE_CHARS:
            raise ContentError(
                f'The example question "{text[:60]}..." is too long; keep example questions '
                f"under {MAX_EXAMPLE_CHARS} characters, as patients would type them."
            )
        if _HTML_RE.search(text):
            raise ContentError(f'The example question "{text}" contains HTML; use plain words.')
    if len(examples) < MIN_EXAMPLES:
        raise ContentError(
            f"Add more example questions: this topic has {len(examples)}, it needs at least "
            f"{MIN_EXAMPLES} different ones (ways a patient might ask it) so the assistant "
            "can learn to recognise it."
        )
    taken = _other_examples(session, topic, data_dir)
    for text in examples:
        clash = taken.get(normalise_question(text))
        if clash is not None:
            raise ContentError(
                f'The example question "{text}" is already used by {clash[0]}. The same '
                "question cannot lead to two answers: reword it or remove it from one of them."
            )
    draft.examples = examples
    return draft


def audit(
    session: Session, actor: str, action: str, topic_key: str | None = None, detail: str = ""
) -> None:
    session.add(AuditEntry(actor=actor, action=action, topic_key=topic_key, detail=detail))


def _add_version(
    session: Session, topic: FaqTopic, draft: TopicDraft, author: str, note: str
) -> FaqVersion:
    number = (topic.versions[-1].number + 1) if topic.versions else 1
    version = FaqVersion(
        number=number,
        title=draft.title,
        answer=draft.answer,
        more=draft.more,
        sources_json=json.dumps(draft.sources),
        examples_json=json.dumps(draft.examples),
        question=draft.question,
        related_json=json.dumps(draft.related),
        group_key=draft.topic,
        author=author,
        note=note[:200],
    )
    topic.versions.append(version)
    topic.updated_at = utc_now()
    _withdraw_request(topic)  # the version under review is no longer the newest
    session.flush()
    return version


def _withdraw_request(topic: FaqTopic) -> None:
    topic.review_version = None
    topic.review_requested_by = None
    topic.review_requested_at = None


def request_approval(session: Session, key: str, author: str) -> FaqVersion:
    """Ask an approver to publish the newest version (an editor's way to publish)."""
    topic = get_topic(session, key)
    version = latest_version(topic)
    if topic.status == PUBLISHED and topic.live_version == version.number:
        raise ContentError(
            f"Version {version.number} is already live: there is nothing to approve."
        )
    # Checked now, so that approvers are only ever asked for text that can go live.
    validate_draft(session, topic, topic.intent, TopicDraft.of(version))
    topic.review_version = version.number
    topic.review_requested_by = author
    topic.review_requested_at = utc_now()
    audit(session, author, "request_approval", key, f"version {version.number} awaits approval")
    return version


def save_draft(
    session: Session, key: str, draft: TopicDraft, author: str, note: str = ""
) -> FaqVersion:
    """Save an edit as a new version (not live until published)."""
    topic = get_topic(session, key)
    draft = validate_draft(session, topic, topic.intent, draft)
    if TopicDraft.of(latest_version(topic)).as_dict() == draft.as_dict():
        return latest_version(topic)
    version = _add_version(session, topic, draft, author, note)
    audit(session, author, "save_draft", key, f"saved version {version.number}")
    return version


def create_topic(session: Session, draft: TopicDraft, author: str, key: str | None = None) -> str:
    """A new topic (a draft until published); its key."""
    key = key or slugify(draft.title or "")
    if not _KEY_RE.fullmatch(key or ""):
        raise ContentError("Give the entry a title made of words (letters first).")
    intent = entry_intent(key)
    exists = session.execute(
        select(FaqTopic).where((FaqTopic.key == key) | (FaqTopic.intent == intent))
    ).scalar_one_or_none()
    if exists is not None:
        raise ContentError(f"A topic called '{key}' already exists; choose another title.")
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
    if intent in (domain.get("intents") or []):
        raise ContentError(
            f"The title '{draft.title}' is too close to a built-in part of the assistant; "
            "choose another title."
        )
    draft = validate_draft(session, None, intent, draft)
    topic = FaqTopic(key=key, intent=intent, status=DRAFT)
    session.add(topic)
    session.flush()
    version = _add_version(session, topic, draft, author, "new topic")
    audit(session, author, "create_topic", key, f"created with version {version.number}")
    return key


@dataclass(frozen=True)
class PublishResult:
    key: str
    version: int
    examples_changed: bool  # a new model is needed for the examples to take effect


def publish(session: Session, key: str, author: str, number: int | None = None) -> PublishResult:
    """Make the newest version (or version ``number``) live, after validating it again."""
    topic = get_topic(session, key)
    version = version_of(topic, number) if number is not None else latest_version(topic)
    draft = validate_draft(session, topic, topic.intent, TopicDraft.of(version))
    previous = live_version(topic)
    examples_changed = previous is None or json.loads(previous.examples_json) != draft.examples
    was = topic.status
    topic.live_version = version.number
    topic.status = PUBLISHED
    topic.updated_at = utc_now()
    detail = f"published version {version.number}"
    # Publishing the version under review (or a newer one) answers the request.
    asked = topic.review_requested_by
    approves = topic.review_version is not None and version.number >= topic.review_version
    if approves:
        detail += f", asked for by {asked}"
        _withdraw_request(topic)
    detail += " (was taken down)" if was == DRAFT else ""
    audit(session, author, "approve" if approves else "publish", key, detail)
    session.flush()
    return PublishResult(key=key, version=version.number, examples_changed=examples_changed)


def add_example(session: Session, key: str, text: str, author: str) -> PublishResult:
    """Teach an entry one more example question (a patient's own words, from the insights
    page) in one step: the live version plus the example is published, so the background
    retrain learns it. A newer unpublished draft keeps its place as the newest version,
    with the example added too; nothing else of it goes live."""
    topic = get_topic(session, key)
    live = live_version(topic)
    if live is None or topic.status != PUBLISHED:
        raise ContentError("That entry is not live: publish it first, then add examples to it.")
    pending = latest_version(topic) if latest_version(topic).number != live.number else None
    under_review = pending is not None and topic.review_version == pending.number
    asked = topic.review_requested_by if under_review else None
    draft = TopicDraft.of(live)
    draft.examples = [*draft.examples, text]
    draft = validate_draft(session, topic, topic.intent, draft)
    version = _add_version(session, topic, draft, author, "example question from insights")
    audit(session, author, "add_example", key, f"version {version.number}: one example question")
    result = publish(session, key, author, version.number)
    if pending is not None:
        kept = TopicDraft.of(pending)
        kept.examples = [*kept.examples, text]
        kept_version = _add_version(
            session, topic, clean_draft(kept), author, "draft kept, with the new example"
        )
        if asked is not None:  # the draft still awaits approval (now with the example)
            topic.review_version = kept_version.number
            topic.review_requested_by = asked
            topic.review_requested_at = utc_now()
    return result


def suggest_example(session: Session, key: str, text: str, author: str) -> FaqVersion:
    """An editor's :func:`add_example`: the newest version plus the example, saved and
    awaiting approval (an approver publishes it)."""
    topic = get_topic(session, key)
    if topic.status != PUBLISHED:
        raise ContentError("That entry is not live: publish it first, then add examples to it.")
    draft = TopicDraft.of(latest_version(topic))
    if normalise_question(text) in {normalise_question(e) for e in draft.examples}:
        raise ContentError("That question is already one of this entry's examples.")
    draft.examples = [*draft.examples, text]
    version = save_draft(session, key, draft, author, "example question from insights")
    request_approval(session, key, author)
    return version


def discard_draft(session: Session, key: str, author: str) -> list[int]:
    """Throw away the saved versions newer than the live one (never published), so the
    topic's newest version is the live text again; the version numbers discarded.

    The one exception to "every version is kept": these versions never reached a
    patient, and the audit log keeps who saved them and who discarded them. A topic that
    was never published has no live text to go back to, so nothing is discarded.
    """
    topic = get_topic(session, key)
    if topic.live_version is None:
        raise ContentError(
            "This topic has never been published, so there is no live text to go back to."
        )
    drafts = [v for v in topic.versions if v.number > topic.live_version]
    if not drafts:
        raise ContentError("There is no draft to discard: the newest version is the live one.")
    numbers = [v.number for v in drafts]
    # A request for approval of a discarded version has nothing left to approve.
    withdrawn = topic.review_version in numbers
    for version in drafts:
        topic.versions.remove(version)  # delete-orphan: the row is deleted
    if withdrawn:
        _withdraw_request(topic)
    topic.updated_at = utc_now()
    audit(
        session,
        author,
        "discard_draft",
        key,
        f"discarded version{'s' if len(numbers) > 1 else ''} "
        f"{', '.join(map(str, numbers))} (never live); version {topic.live_version} stays live"
        + ("; its request for approval is withdrawn" if withdrawn else ""),
    )
    session.flush()
    return numbers


def clean_draft(draft: TopicDraft) -> TopicDraft:
    draft.examples = clean_examples(draft.examples)
    return draft


def publish_all(session: Session, author: str) -> list[PublishResult]:
    """Publish every topic whose newest version is not live yet."""
    results = []
    for topic in session.execute(select(FaqTopic).order_by(FaqTopic.id)).scalars():
        if topic.status == PUBLISHED and topic.live_version == latest_version(topic).number:
            continue
        results.append(publish(session, topic.key, author))
    return results


def take_down(session: Session, key: str, author: str) -> None:
    """Stop answering a topic (patients asking about it get the clinic's number)."""
    topic = get_topic(session, key)
    if topic.status != PUBLISHED:
        return
    topic.status = DRAFT
    topic.updated_at = utc_now()
    audit(session, author, "take_down", key, f"version {topic.live_version} no longer shown")


def rollback(session: Session, key: str, number: int, author: str) -> PublishResult:
    """Publish the content of an old version again (as a new version: history is kept)."""
    topic = get_topic(session, key)
    old = TopicDraft.of(version_of(topic, number))
    version = _add_version(session, topic, old, author, f"rollback to version {number}")
    audit(session, author, "rollback", key, f"version {version.number} = version {number}")
    return publish(session, key, author, version.number)


# --- diffs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDiff:
    name: str
    lines: list[tuple[str, str]]  # ("+"|"-"|" ", text)


def version_diff(old: FaqVersion | None, new: FaqVersion) -> list[FieldDiff]:
    """What changed between two versions, field by field, line by line."""
    before = TopicDraft.of(old).as_dict() if old is not None else {}
    after = TopicDraft.of(new).as_dict()
    diffs = []
    for name, value in after.items():
        a, b = _lines(before.get(name)), _lines(value)
        if a == b:
            continue
        lines = []
        for line in difflib.ndiff(a, b):
            if line[:1] in "+- ":
                lines.append((line[0], line[2:]))
        diffs.append(FieldDiff(name=name, lines=lines))
    return diffs


def _lines(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    return str(value).splitlines()


# --- what patients get ------------------------------------------------------------------


def draft_entry(key: str, draft: TopicDraft) -> Entry:
    """A draft as it would be served (validated as :func:`live_content` validates what it
    serves): for the edit page's preview chat. Raises :class:`ContentError`."""
    topics = {k: {"title": t} for k, t in load_topics().items()}
    content = parse_content(
        {"topics": topics, "entries": {key: _raw_entry(draft)}}, check_related=False
    )
    return content.entries[key]


def live_content(session: Session) -> Content:
    """The published entries as :class:`Content` (the answers served to patients)."""
    raw: dict[str, dict] = {}
    withdrawn = set()
    topics = {k: {"title": t} for k, t in load_topics().items()}
    rows = session.execute(select(FaqTopic).order_by(FaqTopic.id)).scalars().all()
    for row in rows:
        version = live_version(row)
        if version is None or row.key.startswith(LEGACY_PREFIX):
            continue
        if row.status != PUBLISHED:
            withdrawn.add(row.intent)
            continue
        spec = _raw_entry(TopicDraft.of(version))
        try:  # never serve a text that fails validation, even if written to the database
            parse_content({"topics": topics, "entries": {row.key: spec}}, check_related=False)
        except ContentError as exc:
            logger.error("entry %s not served: %s", row.key, exc)
            continue
        raw[row.key] = spec
    if not raw:
        return Content(entries={}, topics=load_topics(), withdrawn=frozenset(withdrawn))
    content = parse_content({"topics": topics, "entries": raw}, check_related=False)
    # A related entry that is not served (taken down, or not yet published) is not offered.
    entries = {
        key: dataclasses.replace(e, related=tuple(r for r in e.related if r in content.entries))
        for key, e in content.entries.items()
    }
    return Content(entries=entries, topics=content.topics, withdrawn=frozenset(withdrawn))


def training_topics(session: Session) -> list[tuple[str, list[str]]]:
    """(intent, example questions) of every topic ever published, for the model.

    A topic taken down stays in the model (so the question is still recognised, and
    answered with the clinic's number); its examples are those of its live version.
    """
    result = []
    for topic in session.execute(select(FaqTopic).order_by(FaqTopic.id)).scalars():
        version = live_version(topic)
        if version is not None and not topic.key.startswith(LEGACY_PREFIX):
            result.append((topic.intent, json.loads(version.examples_json)))
    return result


class LiveContentCache:
    """The live content of one database, re-read when any topic changed.

    Each call costs one small query (the number of topics and the last change time); the
    topics are read again only when that changed. If the database cannot be read, the
    last content read is served (the error is logged by its class only). A database that
    was never prepared (no FAQ tables, or no topics: ``prepare_database`` seeds them) is
    served the seed file, which is what seeding it would give.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._content: Content | None = None

    def get(self) -> Content:
        from bot.content.store import get_content
        from bot.db.session import session_scope

        try:
            with session_scope(self.url) as session:
                stamp = tuple(
                    session.execute(
                        select(func.count(FaqTopic.id), func.max(FaqTopic.updated_at))
                    ).one()
                )
                with self._lock:
                    if stamp != self._stamp or self._content is None:
                        self._content = live_content(session) if stamp[0] else get_content()
                        self._stamp = stamp
                    return self._content
        except Exception as exc:  # serve the last good content
            with self._lock:
                content = self._content
            if content is not None:
                logger.error(
                    "could not read the FAQ content (%s); serving the last read",
                    type(exc).__name__,
                )
                return content
            logger.warning(
                "no FAQ content in the database (%s); serving the seed file",
                type(exc).__name__,
            )
            return get_content()


_caches: dict[str, LiveContentCache] = {}
_caches_lock = threading.Lock()


def get_live_content(url: str | None = None) -> Content:
    """What patients get now: the published topics of the clinic database."""
    from bot.settings import load_settings

    url = url or load_settings().database_url
    with _caches_lock:
        cache = _caches.setdefault(url, LiveContentCache(url))
    return cache.get()


# --- seed, export, import ---------------------------------------------------------------


def seed_topics(
    session: Session,
    content_file: Path = DEFAULT_CONTENT_FILE,
    kb_dir: Path = KB_EXAMPLES_DIR,
    actor: str = "seed",
) -> int:
    """Add the knowledge base's entries (``knowledge_base.yml`` and ``kb_examples/``) when
    the database has none (topics of the first content model, ``legacy_*``, do not count);
    entries added."""
    current = session.execute(
        select(func.count(FaqTopic.id)).where(~FaqTopic.key.startswith(LEGACY_PREFIX))
    ).scalar_one()
    if current:
        return 0
    raw = yaml.safe_load(Path(content_file).read_text(encoding="utf-8"))
    parse_content(raw)  # the seed must be valid
    examples = seed_examples(kb_dir)
    for key, spec in raw["entries"].items():
        topic = FaqTopic(key=key, intent=entry_intent(key), status=PUBLISHED, live_version=1)
        session.add(topic)
        session.flush()
        draft = TopicDraft(
            title=spec["title"].strip(),
            answer=spec["answer"].strip(),
            question=(spec.get("question") or "").strip() or None,
            topic=spec.get("topic"),
            related=[str(r) for r in spec.get("related") or []],
            more=(spec.get("more") or "").strip() or None,
            sources=[str(s) for s in spec["sources"]],
            examples=clean_examples(examples.get(entry_intent(key), [])),
        )
        _add_version(session, topic, draft, actor, f"from bot/content/{Path(content_file).name}")
    audit(
        session,
        actor,
        "seed",
        None,
        f"{len(raw['entries'])} entries from {Path(content_file).name}",
    )
    session.flush()
    return len(raw["entries"])


def export_topics(session: Session) -> str:
    """Every topic's newest version as YAML, for bulk edits (:func:`import_topics`)."""
    topics = []
    for topic in session.execute(select(FaqTopic).order_by(FaqTopic.id)).scalars():
        draft = TopicDraft.of(latest_version(topic)).as_dict()
        entry = {"key": topic.key, "status": topic.status, **draft}
        topics.append({k: v for k, v in entry.items() if v not in (None, {}, [])})
    header = (
        "# FAQ topics exported from the clinic assistant. Edit the texts, then import the\n"
        "# file (admin page 'Export / import', or python -m bot faq import FILE). Imported\n"
        "# changes are saved as drafts: publish them to make them live.\n"
    )
    return header + yaml.dump(
        {"topics": topics}, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=100
    )


class _LiteralDumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_LiteralDumper.add_representer(str, _str_representer)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def import_topics(session: Session, text: str, author: str) -> ImportReport:
    """Save the topics of an exported file as drafts; all or nothing.

    Raises :class:`ContentError` naming the topic at fault; nothing is saved then (the
    caller's transaction is rolled back).
    """
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ContentError(f"The file could not be read as YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), list):
        raise ContentError("The file must have a 'topics:' list, as an exported file has.")
    report = ImportReport()
    for n, entry in enumerate(raw["topics"], 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ContentError(f"Topic number {n} in the file has no 'key'.")
        key = entry["key"]
        try:
            draft = TopicDraft(
                title=str(entry.get("title") or ""),
                answer=str(entry.get("answer") or ""),
                question=entry.get("question"),
                topic=entry.get("topic"),
                related=[str(r) for r in entry.get("related") or []],
                more=entry.get("more"),
                sources=[str(s) for s in entry.get("sources") or []],
                examples=[str(s) for s in entry.get("examples") or []],
            )
            existing = session.execute(
                select(FaqTopic).where(FaqTopic.key == key)
            ).scalar_one_or_none()
            if existing is None:
                create_topic(session, draft, author, key=key)
                report.created.append(key)
            else:
                before = latest_version(existing).number
                version = save_draft(session, key, draft, author, "imported")
                (report.changed if version.number != before else report.unchanged).append(key)
        except ContentError as exc:
            raise ContentError(f"Topic '{key}': {exc}") from exc
    audit(
        session,
        author,
        "import",
        None,
        f"{len(report.created)} new, {len(report.changed)} changed, "
        f"{len(report.unchanged)} unchanged",
    )
    return report


def topic_summaries(session: Session, search: str = "") -> Sequence[FaqTopic]:
    """Topics in seed order, those matching ``search`` (title, key, answer, examples)."""
    topics = session.execute(select(FaqTopic).order_by(FaqTopic.id)).scalars().all()
    needle = search.strip().lower()
    if not needle:
        return topics
    found = []
    for topic in topics:
        v = latest_version(topic)
        haystack = " ".join([topic.key, v.title, v.answer, v.more or "", v.examples_json]).lower()
        if needle in haystack:
            found.append(topic)
    return found
