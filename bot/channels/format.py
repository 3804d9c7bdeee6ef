"""Make the bot's answers read well on each messaging app.

The answers are written once, in a small safe subset of Markdown (``knowledge_base.yml``):
paragraphs separated by blank lines, ``- `` bullet lists, ``1. `` numbered lists,
``**bold**``, ``*italics*`` / ``_italics_`` and ``[text](https://...)`` links. Each channel
shows a different subset, so this module converts that text per *style*:

========== ============================================ ==================================
style      channel                                      bold / italics / links
========== ============================================ ==================================
plain      SMS, Facebook Messenger                      stripped / stripped / "text (url)"
whatsapp   WhatsApp (through Twilio)                    ``*b*`` / ``_i_`` / "text (url)"
telegram   Telegram (``parse_mode=HTML``)               ``<b>`` / ``<i>`` / ``<a href>``
slack      Slack (``mrkdwn``)                           ``*b*`` / ``_i_`` / ``<url|text>``
========== ============================================ ==================================

A backslash before an ASCII punctuation mark makes it literal (``\\*`` is a star, not
emphasis), as in CommonMark: :func:`escape_markdown` uses it for whatever a patient typed
that a reply repeats (a call-back name...), so no channel shows it as bold or as a link.
:func:`link_phone_numbers` makes the phone numbers in an answer ``tel:`` links, for the
channels that can call them (the website widget, Slack).

Bullets become "•" everywhere. Where a channel has no buttons, :func:`numbered_options`
turns them into a numbered list the patient answers by number (the channel remembers the
options: :class:`bot.channels.common.OptionMemory`). Long answers are split by
:func:`format_message` at paragraph, then line, then sentence, then word boundaries, so
that no part exceeds the channel's limit and a list is never cut in the middle if it fits.

Plain Python with no Rasa import, so the unit tests run in milliseconds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import phonenumbers

STYLES = ("plain", "whatsapp", "telegram", "slack")

# Per-message text limits of each platform (characters).
SMS_LIMIT = 1600  # Twilio's limit for one message body (SMS and WhatsApp)
MESSENGER_LIMIT = 2000  # Facebook Messenger text message
TELEGRAM_LIMIT = 4096  # Telegram sendMessage text, after entity parsing
SLACK_SECTION_LIMIT = 3000  # Slack section block text

_BULLET_RE = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED_RE = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_SAFE_URL_RE = re.compile(r"^(https://|mailto:|tel:)[^\s<>\"']+$", re.IGNORECASE)
# Inside a span, a backslash and the character after it are one unit: an escaped star
# neither closes the bold nor the italics around it.
_INLINE_RE = re.compile(
    r"\\(?P<escaped>[!-/:-@\[-`{-~])"
    r"|\[(?P<link_text>(?:\\.|[^\\\]\n])+)\]\((?P<url>[^)\s]+)\)"
    r"|\*\*(?P<bold>(?!\s)(?:\\.|[^\\\n])+?(?<!\s))\*\*"
    r"|(?<![\w*])\*(?P<italic>(?![\s*])(?:\\.|[^\\*\n])+?(?<![\s*]))\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic2>(?![\s_])(?:\\.|[^\\_\n])+?(?<![\s_]))_(?![\w_])"
)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?:;])\s+")


# ---------------------------------------------------------------------------------------
# Inline Markdown


@dataclass(frozen=True)
class _Inline:
    """How one style writes inline markup."""

    text: Callable[[str], str]
    bold: Callable[[str], str]
    italic: Callable[[str], str]
    link: Callable[[str, str], str]


def _plain_link(text: str, url: str) -> str:
    shown = url.removeprefix("mailto:").removeprefix("tel:")
    if url.lower().startswith("tel:") and _digits(text) and _digits(text) in _digits(url):
        return text  # "020 7946 0000", not "020 7946 0000 (+442079460000)"
    return shown if text.strip() in (url, shown) else f"{text} ({shown})"


def _digits(text: str) -> str:
    digits = "".join(c for c in text if c.isdigit())
    return digits.lstrip("0")


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_INLINE_STYLES: Mapping[str, _Inline] = {
    "plain": _Inline(str, str, str, _plain_link),
    "whatsapp": _Inline(str, lambda t: f"*{t}*", lambda t: f"_{t}_", _plain_link),
    "telegram": _Inline(
        lambda t: html.escape(t, quote=False),
        lambda t: f"<b>{t}</b>",
        lambda t: f"<i>{t}</i>",
        lambda t, url: f'<a href="{html.escape(url, quote=True)}">{t}</a>',
    ),
    "slack": _Inline(
        _slack_escape,
        lambda t: f"*{t}*",
        lambda t: f"_{t}_",
        lambda t, url: f"<{_slack_escape(url)}|{t.replace('|', '/')}>",
    ),
}


def render_inline(text: str, style: str) -> str:
    """Convert one line's inline Markdown (bold, italics, links) to ``style``."""
    ink = _INLINE_STYLES[style]
    out: list[str] = []
    pos = 0
    for match in _INLINE_RE.finditer(text):
        out.append(ink.text(text[pos : match.start()]))
        if match.group("escaped") is not None:
            out.append(ink.text(match.group("escaped")))
        elif match.group("url") is not None:
            url = match.group("url")
            label = render_inline(match.group("link_text"), style)
            if _SAFE_URL_RE.match(url):
                out.append(ink.link(label, url))
            else:  # javascript:, data:, http: ... are shown as their text only
                out.append(label)
        elif match.group("bold") is not None:
            out.append(ink.bold(render_inline(match.group("bold"), style)))
        else:
            inner = match.group("italic") or match.group("italic2") or ""
            out.append(ink.italic(render_inline(inner, style)))
        pos = match.end()
    out.append(ink.text(text[pos:]))
    return "".join(out)


# Patient text inside a reply: the characters our Markdown gives a meaning to, a list
# marker at its start, and the "://" of a web address (the widget links bare https URLs).
_MARKDOWN_SPECIAL_RE = re.compile(r"([\\*_\[\]`])")
_LEADING_MARKER_RE = re.compile(r"^([-+]|\d{1,3})([.)]?)(?=\s)")
_SCHEME_RE = re.compile(r"(?<=[A-Za-z]):(?=//)")


def escape_markdown(text: str) -> str:
    """``text`` (typed by a patient) made literal inside a Markdown reply, on one line.

    For every place a reply repeats what a patient typed (a call-back name, a best time,
    a reason...): a name like ``**Bold** [click](https://x)`` is shown as those very
    characters by the widget and every channel (:func:`render_inline` removes the
    backslashes), never as bold text or a link. Line breaks become spaces, so the text
    cannot start a list or a paragraph of its own. (Slack and WhatsApp have no escape for
    their own ``*bold*`` and ``_italics_``: they get the characters as typed.)
    """
    one_line = " ".join(str(text).split())
    escaped = _MARKDOWN_SPECIAL_RE.sub(r"\\\1", one_line)
    escaped = _LEADING_MARKER_RE.sub(_escape_marker, escaped)
    return _SCHEME_RE.sub(r"\\:", escaped)


def _escape_marker(match: re.Match[str]) -> str:
    marker, dot = match.groups()
    if marker in "+-":
        return "\\" + marker + dot
    return marker + ("\\" + dot if dot else "")  # "1." starts a numbered list, "12" not


# ---------------------------------------------------------------------------------------
# Phone numbers

# Spans a phone number must not be linked in: escapes, links and web addresses.
_NO_PHONE_RE = re.compile(
    r"\\[!-/:-@\[-`{-~]|\[[^\]\n]*\]\([^)\s]*\)|\b[a-z][a-z0-9+.-]*:[^\s)]+", re.I
)
# A short number standing alone (999, 112), not part of a longer number, date or word.
_SHORT_NUMBER_RE = re.compile(r"(?<![\w.,/:+-])\d{3}(?![\w/]|[.,:]\d)")
# "For example 020 7946 0123": a number showing how to write one is not one to call.
_EXAMPLE_BEFORE_RE = re.compile(r"\b(for example|e\.g\.|such as)\b[^.!?\n]*$", re.I)


def phone_number_spans(
    text: str, region: str, extra: Iterable[str] = ()
) -> list[tuple[int, int, str]]:
    """``(start, end, tel URI)`` of each number in ``text`` a patient could call: a valid
    number (``phonenumbers``, read in ``region`` when it has no country code), or a short
    emergency number of ``region`` (999, 112 in GB) or of ``extra``; not a number given as
    an example of how to write one."""
    spans = [
        (
            m.start,
            m.end,
            "tel:" + phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164),
        )
        for m in phonenumbers.PhoneNumberMatcher(text, region)
    ]
    short = set(extra)
    for match in _SHORT_NUMBER_RE.finditer(text):
        digits = match.group()
        if digits in short or phonenumbers.is_emergency_number(digits, region):
            spans.append((match.start(), match.end(), f"tel:{digits}"))
    taken = [m.span() for m in _NO_PHONE_RE.finditer(text)]
    free = [s for s in spans if not any(a < s[1] and s[0] < b for a, b in taken)]
    return sorted(s for s in free if not _EXAMPLE_BEFORE_RE.search(text[max(0, s[0] - 60) : s[0]]))


def link_phone_numbers(text: str, region: str, extra: Iterable[str] = ()) -> str:
    """The Markdown ``text`` with each phone number (:func:`phone_number_spans`) made a
    ``tel:`` link, ``[020 7946 0000](tel:+442079460000)``: tap to call in the widget and
    on Slack. Numbers already inside a link or a web address are left as they are."""
    out: list[str] = []
    pos = 0
    for start, end, uri in phone_number_spans(text, region, extra):
        if start < pos:
            continue  # overlaps the previous number
        out.append(text[pos:start])
        out.append(f"[{text[start:end]}]({uri})")
        pos = end
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Blocks


def markdown_blocks(text: str) -> list[str]:
    """The text's blocks (paragraphs or lists), as Markdown source, blank lines removed."""
    text = text.replace("\r\n", "\n").strip()
    return [block.strip("\n") for block in re.split(r"\n[ \t]*\n", text) if block.strip()]


def render_block(block: str, style: str) -> str:
    """Convert one block (a paragraph, a list, or lines of both) to ``style``."""
    lines = []
    for line in block.split("\n"):
        if bullet := _BULLET_RE.match(line):
            lines.append("• " + render_inline(bullet.group(1).strip(), style))
        elif numbered := _NUMBERED_RE.match(line):
            item = render_inline(numbered.group(2).strip(), style)
            lines.append(f"{numbered.group(1)}. {item}")
        else:
            lines.append(render_inline(line.strip(), style))
    return "\n".join(lines)


def render(text: str, style: str) -> str:
    """Convert a whole answer to ``style`` without splitting it."""
    return "\n\n".join(render_block(block, style) for block in markdown_blocks(text))


# ---------------------------------------------------------------------------------------
# Buttons


def button_title(button: Mapping[str, object]) -> str:
    return str(button.get("title") or button.get("payload") or "").strip()


def numbered_options(buttons: Sequence[Mapping[str, object]]) -> str:
    """The buttons as a numbered list (Markdown) for channels without buttons."""
    lines = [f"{i}. {button_title(b)}" for i, b in enumerate(buttons, 1)]
    return "Reply with a number:\n" + "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Splitting


def _hard_split(text: str, limit: int) -> list[str]:
    """Split one block by lines, then sentences, then words, then characters."""
    for pattern in (r"\n", _SENTENCE_END_RE.pattern, r" +"):
        pieces = [p for p in re.split(f"({pattern})", text)]
        if len(pieces) > 1:
            break
    else:
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    parts: list[str] = []
    current = ""
    # pieces alternate text, separator, text ...
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        sep = pieces[i - 1] if i else ""
        if not current:
            candidate = piece
        else:
            candidate = current + sep + piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if len(piece) > limit:
            smaller = _hard_split(piece, limit)
            parts.extend(smaller[:-1])
            current = smaller[-1]
        else:
            current = piece
    if current:
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def split_rendered(blocks: Iterable[str], limit: int) -> list[str]:
    """Pack rendered blocks into messages of at most ``limit`` characters.

    Blocks are kept whole when they fit (a list stays in one message), joined by a blank
    line; a block longer than ``limit`` is split at lines, sentences, then words.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        if len(block) <= limit:
            current = block
        else:
            pieces = _hard_split(block, limit)
            messages.extend(pieces[:-1])
            current = pieces[-1]
    if current:
        messages.append(current)
    return messages


def format_message(
    text: str,
    style: str,
    limit: int,
    buttons: Sequence[Mapping[str, object]] | None = None,
) -> list[str]:
    """The answer ``text`` converted to ``style`` and split into messages of ``limit``.

    With ``buttons``, they are appended as a numbered list (for channels without buttons);
    the list always stays together at the end of the last message when it fits.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
    blocks = markdown_blocks(text)
    if buttons:
        blocks.append(numbered_options(buttons))
    if style == "telegram":
        # Telegram's limit counts the text after its HTML is parsed, but an entity must
        # not be cut: split the Markdown first, then render each part whole.
        return [render(part, style) for part in split_rendered(blocks, limit)]
    return split_rendered((render_block(block, style) for block in blocks), limit)
