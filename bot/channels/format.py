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

STYLES = ("plain", "whatsapp", "telegram", "slack")

# Per-message text limits of each platform (characters).
SMS_LIMIT = 1600  # Twilio's limit for one message body (SMS and WhatsApp)
MESSENGER_LIMIT = 2000  # Facebook Messenger text message
TELEGRAM_LIMIT = 4096  # Telegram sendMessage text, after entity parsing
SLACK_SECTION_LIMIT = 3000  # Slack section block text

_BULLET_RE = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED_RE = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_SAFE_URL_RE = re.compile(r"^(https://|mailto:|tel:)[^\s<>\"']+$", re.IGNORECASE)
_INLINE_RE = re.compile(
    r"\[(?P<link_text>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
    r"|\*\*(?P<bold>\S(?:.*?\S)?)\*\*"
    r"|(?<![\w*])\*(?P<italic>[^\s*](?:[^*\n]*?[^\s*])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic2>[^\s_](?:[^_\n]*?[^\s_])?)_(?![\w_])"
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
    return shown if text.strip() in (url, shown) else f"{text} ({shown})"


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
        if match.group("url") is not None:
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
