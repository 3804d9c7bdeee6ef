"""What patients found helpful and what the assistant did not understand.

Recorded by the action server (``actions/feedback.py``), read by the staff insights page:

* ``record_feedback`` / ``helpfulness_by_topic``: thumbs up or down per answer topic;
* ``record_unanswered`` / ``unanswered_questions``: messages that ended in ``nlu_fallback``
  (with the entries offered as "Did you mean ...?") or in "no reliable information",
  grouped by their text, most frequent first, to decide what content to add next;
  ``dismiss_unanswered`` deletes a group staff marked as junk.

Neither keeps who said it: the conversation is stored as a keyed hash
(``conversation_hash``, the same HMAC key as the look-up limiter), so "forget me" can
delete a conversation's rows and nothing else links them to a patient. Unanswered texts
are stored with likely identifiers replaced (``redact``). Both are purged with the
conversations after the retention period (``bot.privacy.retention``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from bot.content.answers import Button
from bot.db.models import AnswerFeedback, UnansweredQuestion, utc_now
from bot.due_dates.identity import hash_secret

UNANSWERED_TEXT_MAX = 300

# Order matters: references and e-mails before the generic number patterns.
_REDACTIONS = (
    (re.compile(r"\bBTX\s*-?\s*\d{3,6}\b", re.IGNORECASE), "[reference]"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[email]"),
    (re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b"), "[date]"),
    (re.compile(r"\+?\d[\d\s()-]{6,}\d"), "[number]"),
)


def conversation_hash(sender_id: str) -> str:
    """HMAC-SHA256 (hex) of a conversation id: links rows to a conversation, not a person."""
    return hmac.new(hash_secret(), f"conversation:{sender_id}".encode(), hashlib.sha256).hexdigest()


def redact(text: str) -> str:
    """The text with clinic references, e-mail addresses, dates and phone-like numbers
    replaced, whitespace squashed, cut to ``UNANSWERED_TEXT_MAX`` characters."""
    clean = " ".join((text or "").split())
    for pattern, replacement in _REDACTIONS:
        clean = pattern.sub(replacement, clean)
    return clean[:UNANSWERED_TEXT_MAX]


def record_feedback(
    session: Session, sender_id: str, topic: str, helpful: bool, now: datetime | None = None
) -> None:
    session.add(
        AnswerFeedback(
            conversation_hash=conversation_hash(sender_id),
            topic=topic[:64],
            helpful=helpful,
            created_at=now or utc_now(),
        )
    )


NOT_UNDERSTOOD = "not_understood"
NO_RELIABLE_INFO = "no_reliable_info"


def record_unanswered(
    session: Session,
    sender_id: str,
    text: str,
    now: datetime | None = None,
    *,
    kind: str = NOT_UNDERSTOOD,
    candidates: Sequence[str] = (),
) -> bool:
    """Store one message the assistant could not answer (redacted), with the entries it
    offered as candidates. False (nothing stored) if empty or a button payload."""
    clean = redact(text)
    if not clean or clean.startswith("/"):
        return False
    session.add(
        UnansweredQuestion(
            conversation_hash=conversation_hash(sender_id),
            text=clean,
            created_at=now or utc_now(),
            kind=kind,
            candidates_json=json.dumps(list(candidates)[:5]),
        )
    )
    return True


@dataclass(frozen=True)
class TopicHelpfulness:
    topic: str
    helpful: int
    not_helpful: int

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful

    @property
    def helpful_share(self) -> float:
        """Share of thumbs up, 0..1 (0 when no votes)."""
        return self.helpful / self.total if self.total else 0.0


def helpfulness_by_topic(session: Session, since: datetime | None = None) -> list[TopicHelpfulness]:
    """Votes per topic, least helpful first (then most votes), for deciding what to fix."""
    up = func.sum(case((AnswerFeedback.helpful.is_(True), 1), else_=0))
    down = func.sum(case((AnswerFeedback.helpful.is_(True), 0), else_=1))
    query = select(AnswerFeedback.topic, up, down).group_by(AnswerFeedback.topic)
    if since is not None:
        query = query.where(AnswerFeedback.created_at >= since)
    rows = [
        TopicHelpfulness(topic=topic, helpful=int(u or 0), not_helpful=int(d or 0))
        for topic, u, d in session.execute(query)
    ]
    return sorted(rows, key=lambda r: (r.helpful_share, -r.total, r.topic))


@dataclass(frozen=True)
class UnansweredGroup:
    text: str  # as stored (redacted), lower-cased for grouping
    count: int
    last_seen: datetime
    kind: str = NOT_UNDERSTOOD
    # The entries the assistant offered (most likely first): the suggested one to add the
    # question to as an example.
    candidates: tuple[str, ...] = ()


def unanswered_questions(
    session: Session,
    since: datetime | None = None,
    limit: int = 100,
    *,
    recent_first: bool = False,
    offset: int = 0,
) -> list[UnansweredGroup]:
    """Not-understood messages grouped by (lower-cased) text: most frequent, then most
    recent first (``recent_first``: most recently asked first, then most frequent); the
    ``limit`` groups after the first ``offset`` (a page)."""
    text = func.lower(UnansweredQuestion.text)
    count = func.count(UnansweredQuestion.id)
    last = func.max(UnansweredQuestion.created_at)
    kind = func.max(UnansweredQuestion.kind)
    candidates = func.max(UnansweredQuestion.candidates_json)
    query = select(text, count, last, kind, candidates).group_by(text)
    if since is not None:
        query = query.where(UnansweredQuestion.created_at >= since)
    order = (last.desc(), count.desc()) if recent_first else (count.desc(), last.desc())
    # The text last: a stable order, so that no group is on two pages or on none.
    query = query.order_by(*order, text).limit(limit).offset(offset)
    return [
        UnansweredGroup(
            text=t,
            count=int(c),
            last_seen=s,
            kind=k or NOT_UNDERSTOOD,
            candidates=tuple(json.loads(cands or "[]")),
        )
        for t, c, s, k, cands in session.execute(query)
    ]


def unanswered_group_count(session: Session, since: datetime | None = None) -> int:
    """How many groups :func:`unanswered_questions` has in all (for its pages)."""
    query = select(func.lower(UnansweredQuestion.text)).group_by(
        func.lower(UnansweredQuestion.text)
    )
    if since is not None:
        query = query.where(UnansweredQuestion.created_at >= since)
    return int(session.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def dismiss_unanswered(session: Session, text: str) -> int:
    """Delete every stored message of one group (its lower-cased text), over all time: a
    message staff dismissed as junk ("asdf", a test) should not come back in a longer
    period. ``text`` is the group's text as listed (the database's ``lower``, which on
    SQLite leaves non-ASCII letters alone, so it is not lower-cased again here). The rows
    deleted."""
    statement = (
        delete(UnansweredQuestion)
        .where(func.lower(UnansweredQuestion.text) == text)
        # The ORM cannot evaluate lower() in Python; no such row is loaded to update.
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    return result.rowcount or 0


def delete_for_conversation(session: Session, sender_id: str) -> int:
    """Delete the feedback and unanswered questions of one conversation; rows deleted."""
    digest = conversation_hash(sender_id)
    deleted = 0
    for model in (AnswerFeedback, UnansweredQuestion):
        result = session.execute(delete(model).where(model.conversation_hash == digest))
        deleted += result.rowcount or 0
    return deleted


# --- feedback buttons after an answer ----------------------------------------------------

FEEDBACK_HELPFUL = "/feedback_helpful"
FEEDBACK_NOT_HELPFUL = "/feedback_not_helpful"
FEEDBACK_PAYLOADS = (FEEDBACK_HELPFUL, FEEDBACK_NOT_HELPFUL)
# Entries that are a referral rather than an answer: no "was this helpful?".
NO_FEEDBACK_TOPICS = frozenset({"no_reliable_info", "personal_advice", "contact"})


def feedback_topic(content: Any, intent: str | None, last_topic: str | None) -> str | None:
    """The entry an answer to ``intent`` is about, if the patient can rate it."""
    entry = content.by_intent(intent)
    if entry is None and intent in ("ask_more", "affirm"):
        current = content.get(last_topic)
        entry = current if current is not None and current.more else None
    if entry is None or entry.key in NO_FEEDBACK_TOPICS:
        return None
    return entry.key


def with_feedback_buttons(messages: list[Any], topic: str | None) -> list[Any]:
    """The messages, the answer (the first text message) carrying thumbs up/down after
    its own buttons (the widget shows them as thumbs under the bubble; text channels as
    numbered options). Never on a later suggestion ("You might also want to know:")."""
    if topic is None:
        return messages
    for message in messages:
        if message.text and not message.response:
            message.buttons = [
                *message.buttons,
                Button(title="👍 Helpful", payload=FEEDBACK_HELPFUL),
                Button(title="👎 Not helpful", payload=FEEDBACK_NOT_HELPFUL),
            ]
            break
    return messages
