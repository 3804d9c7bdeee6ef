"""The edit page's draft preview chat: what the assistant would answer to one question if
the draft being edited were live.

The question is classified by the running Rasa server's own NLU (``POST /model/parse``,
``bot.web.admin.drafts``), so the entry chosen is the one patients would get. The reply is
then composed by the functions that compose the real one (``bot.content.answers``), from
the live content with the edited entry replaced by the draft: when the question goes to
the entry being edited it is answered with the draft's (unsaved) text, otherwise with the
live text of the entry chosen. Plain functions of (content, parse result, draft), so they
are unit-tested without Rasa.

It is one question on its own, with no conversation before it ("tell me more" has
nothing to expand), and nothing is recorded: no tracker, no insights.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from bot.content.answers import (
    RED_FLAG,
    Reply,
    area_follow_up,
    compose_reply,
    did_you_mean,
)
from bot.content.store import SPECIAL_INTENTS, Content, Entry, render
from bot.settings import PROJECT_ROOT

FALLBACK_INTENT = "nlu_fallback"
# Asked outside a form, these get the offer to talk to the clinic (data/rules/), not the
# entry's text: the entry is what is said inside the due-date and call-back questions.
HANDOFF_INTENTS = frozenset({SPECIAL_INTENTS["personal_advice"], SPECIAL_INTENTS["contact"]})


@dataclass(frozen=True)
class PreviewMessage:
    text: str
    buttons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    """The reply to one question, and how it was chosen (for the edit page)."""

    messages: list[PreviewMessage]
    intent: str | None  # what the classifier said (``nlu_fallback``: unsure)
    confidence: float
    chosen: str | None  # the entry the question went to, if any
    chosen_title: str | None
    from_draft: bool  # the reply uses the text being edited
    note: str  # in plain words, for staff

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "preview": True,
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "chosen": self.chosen,
            "chosen_title": self.chosen_title,
            "from_draft": self.from_draft,
            "note": self.note,
            "messages": [dataclasses.asdict(m) for m in self.messages],
        }


@lru_cache(maxsize=1)
def _response_texts() -> dict[str, str]:
    """The domain's fixed responses (``utter_...``), first variant: the preview shows the
    words the assistant would send, not the response's name."""
    raw = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
    texts = {}
    for name, variants in (raw.get("responses") or {}).items():
        if variants and isinstance(variants[0], dict) and variants[0].get("text"):
            texts[name] = " ".join(str(variants[0]["text"]).split())
    return texts


def with_draft(content: Content, draft: Entry) -> Content:
    """The live content with ``draft`` in place of its entry (also if that entry is not
    live: new, or taken down)."""
    entries = {**content.entries, draft.key: draft}
    return Content(
        entries=entries, topics=content.topics, withdrawn=content.withdrawn - {draft.intent}
    )


def _messages(reply: Reply, values: Mapping[str, str]) -> list[PreviewMessage]:
    shown = []
    for message in reply.messages:
        if message.response:
            text = render(_response_texts().get(message.response, ""), values)
            shown.append(PreviewMessage(text=text or f"({message.response})"))
        else:
            shown.append(
                PreviewMessage(text=message.text or "", buttons=[b.title for b in message.buttons])
            )
    return shown


def _percent(confidence: float) -> str:
    return f"{round(confidence * 100)}%"


def preview_reply(
    live: Content,
    draft: Entry,
    parsed: Mapping[str, Any],
    values: Mapping[str, str],
) -> Preview:
    """The reply to the question ``parsed`` (Rasa's ``/model/parse`` result), with
    ``draft`` in place of its live entry."""
    content = with_draft(live, draft)
    text = str(parsed.get("text") or "")
    intent_info = parsed.get("intent") or {}
    intent = intent_info.get("name")
    confidence = float(intent_info.get("confidence") or 0.0)
    ranking: Sequence[Mapping[str, Any]] = parsed.get("intent_ranking") or []
    areas = [
        e["value"]
        for e in parsed.get("entities") or []
        if e.get("entity") == "injection_area" and isinstance(e.get("value"), str)
    ]

    if intent == FALLBACK_INTENT:
        ranked = [r for r in ranking if r.get("name") != FALLBACK_INTENT]
        follow_up = area_follow_up(
            content, areas=areas, expandable_topic=None, text=text, values=values
        )
        if follow_up is not None:
            return _answer(content, draft, follow_up, intent, confidence, None, values)
        best = next((content.by_intent(r.get("name")) for r in ranked[:1]), None)
        guess = ""
        if best is not None:
            best_confidence = _percent(ranked[0].get("confidence") or 0.0)
            guess = f' (its best guess, "{best.title}", is only {best_confidence} sure)'
        reply = did_you_mean(content, ranked, values)
        if reply is None:
            messages = [PreviewMessage(text=_response_texts().get("utter_please_rephrase", ""))]
        else:
            messages = _messages(reply, values)
        candidates = reply.candidates if reply is not None else []
        offered = draft.key in candidates
        return Preview(
            messages=messages,
            intent=intent,
            confidence=confidence,
            chosen=None,
            chosen_title=None,
            from_draft=False,
            note=(
                f"The assistant is not sure what this asks{guess}, so it does not answer it."
                + (
                    ' It offers this entry among "Did you mean ...?".'
                    if offered
                    else (" It asks the patient to put it another way." if reply is None else "")
                )
            ),
        )

    chosen = content.by_intent(intent)
    if intent == RED_FLAG:
        reply = compose_reply(
            content, intent=intent, ranking=ranking, areas=areas, text=text, values=values
        )
        warning = PreviewMessage(text=_response_texts().get("utter_red_flag", ""))
        after = _answer(content, draft, reply, intent, confidence, None, values)
        return dataclasses.replace(
            after,
            messages=[warning, *after.messages],
            note="This reads as an urgent symptom: the assistant gives the emergency advice first. "
            + after.note,
        )
    if chosen is None:
        return Preview(
            messages=[],
            intent=intent,
            confidence=confidence,
            chosen=None,
            chosen_title=None,
            from_draft=False,
            note=(
                f'This goes to another part of the assistant ("{intent}", {_percent(confidence)}'
                " sure), not to an entry's answer: try it in the live chat."
            ),
        )
    reply = compose_reply(
        content, intent=intent, ranking=ranking, areas=areas, text=text, values=values
    )
    return _answer(content, draft, reply, intent, confidence, chosen, values)


def _answer(
    content: Content,
    draft: Entry,
    reply: Reply,
    intent: str | None,
    confidence: float,
    chosen: Entry | None,
    values: Mapping[str, str],
) -> Preview:
    # The draft's own words in the reply (not only its title on a button).
    own_text = render(draft.answer, values)
    from_draft = any(own_text in (m.text or "") for m in reply.messages)
    answered = content.get(reply.expandable_topic)
    if chosen is not None:
        how = f'The assistant chose "{chosen.title}" ({_percent(confidence)} sure)'
        if answered is not None and answered.key != chosen.key:
            how += f' and answered with "{answered.title}"'
    elif answered is not None:
        how = f'The assistant answered with "{answered.title}"'
    else:
        how = "No entry was answered"
    if from_draft:
        how += ": the reply uses your draft's text (not live yet)."
    elif draft.key in {e.key for e in (chosen, answered) if e is not None}:
        how += ": this entry's answer is not in the reply (it is offered as a button)."
    elif answered is not None or chosen is not None:
        how += ": the live text, as patients get it now (not the entry you are editing)."
    else:
        how += "."
    if intent in HANDOFF_INTENTS:
        how += (
            " Outside the due-date and call-back questions, patients asking this are offered a"
            " call from the clinic instead; this text is what they get inside them."
        )
    shown = chosen or answered
    return Preview(
        messages=_messages(reply, values),
        intent=intent,
        confidence=confidence,
        chosen=shown.key if shown is not None else None,
        chosen_title=shown.title if shown is not None else None,
        from_draft=from_draft,
        note=how,
    )
