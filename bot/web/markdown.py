"""The answers' safe Markdown for the staff pages, rendered on the server: the same small
subset as the chat widget's ``renderMarkdown`` (``static/widget/widget.js``: paragraphs,
``-`` and ``1.`` lists, ``**bold**``, ``*italics*``, https/mailto/tel links), so a transcript
or an excerpt reads as the patient saw it instead of showing ``**``.

Every piece of text is escaped before any tag is put around it: the only HTML in the
result is the tags made here, so markup typed into a text (by a patient or anyone) is
shown as the characters typed. Patient text is never passed through here at all: the
templates escape it as plain text.

Registered as Jinja filters by ``bot.web.app``: ``markdown`` (HTML), ``plain_text`` and
``excerpt`` (the marks dropped).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# One pattern per inline form, in the widget's order: [label](url), **bold**, *em*, _em_,
# a bare https:// address.
_INLINE_RE = re.compile(
    r"\[([^\]\n]+)\]\(([^)\s]+)\)"
    r"|\*\*(\S(?:[^\n]*?\S)?)\*\*"
    r"|\*([^\s*](?:[^*\n]*?[^\s*])?)\*"
    r"|_([^\s_](?:[^_\n]*?[^\s_])?)_"
    r"|(https://[^\s<>\"'()\[\]]+)"
)
_SAFE_URL_RE = re.compile(r"^(https://|mailto:|tel:)[^\s<>\"']+$", re.IGNORECASE)
_WORD_RE = re.compile(r"[A-Za-z0-9_*]")
_BULLET_RE = re.compile(r"^\s*[-*\u2022]\s+(.*)$")
_NUMBERED_RE = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_TRAILING_PUNCTUATION_RE = re.compile(r"[.,;:!?]+$")


def _link(href: str, label: str, html: bool) -> str:
    inner = label if label == href else _inline(label, html)
    if not html:
        return inner
    return (
        f'<a href="{escape(href)}" target="_blank" rel="noopener noreferrer">'
        f"{escape(inner) if label == href else inner}</a>"
    )


def _inline(text: str, html: bool) -> str:
    """One line's inline marks: as (escaped) HTML, or as plain text without the marks."""
    out: list[str] = []
    pos = 0  # text before this is written out
    search_from = 0
    keep = escape if html else str
    while (m := _INLINE_RE.search(text, search_from)) is not None:
        start, end = m.start(), m.end()
        if m.group(2) is not None:
            label, href = m.group(1), m.group(2)
            node = _link(href, label, html) if _SAFE_URL_RE.match(href) else keep(label)
        elif m.group(3) is not None:
            inner = _inline(m.group(3), html)
            node = f"<strong>{inner}</strong>" if html else inner
        elif m.group(4) is not None or m.group(5) is not None:
            before = text[start - 1] if start > 0 else ""
            after = text[end] if end < len(text) else ""
            if _WORD_RE.match(before) or _WORD_RE.match(after):
                search_from = start + 1  # snake_case or 2*3: not emphasis
                continue
            inner = _inline(m.group(4) if m.group(4) is not None else m.group(5), html)
            node = f"<em>{inner}</em>" if html else inner
        else:
            url = _TRAILING_PUNCTUATION_RE.sub("", m.group(6))  # "see https://x.org."
            end = start + len(url)
            node = _link(url, url, html)
        out.append(keep(text[pos:start]))
        out.append(node)
        pos = search_from = end
    out.append(keep(text[pos:]))
    return "".join(out)


# A backslash before ASCII punctuation makes it literal, as in the widget and the channels
# (``bot.channels.format.escape_markdown`` escapes the patient text a reply repeats). The
# escaped character is parked in Unicode's private use area while the marks are read,
# then put back as itself.
_ESCAPED_RE = re.compile(r"\\([!-/:-@\[-`{-~])")
_PARKED = 0xE000
_PARKED_RE = re.compile("[\ue000-\ue07f]")


def _park(text: str) -> str:
    return _ESCAPED_RE.sub(lambda m: chr(_PARKED + ord(m.group(1))), text)


def _unpark(text: str, html: bool) -> str:
    """Put the escaped characters back: HTML-escaped in HTML (``\\<`` must not open a tag)."""
    keep = escape if html else str
    return _PARKED_RE.sub(lambda m: str(keep(chr(ord(m.group(0)) - _PARKED))), text)


def _blocks(text: object) -> list[list[tuple[str, str, str]]]:
    """Paragraph blocks of (kind, number, line): kind "ul", "ol" or "p"."""
    source = _park(str(text if text is not None else "").replace("\r\n", "\n").strip())
    blocks = []
    for block in re.split(r"\n[ \t]*\n", source) if source else []:
        lines = []
        for line in block.split("\n"):
            bullet = _BULLET_RE.match(line)
            numbered = None if bullet else _NUMBERED_RE.match(line)
            if bullet:
                lines.append(("ul", "", bullet.group(1)))
            elif numbered:
                lines.append(("ol", numbered.group(1), numbered.group(2)))
            elif line.strip():
                lines.append(("p", "", line.strip()))
        blocks.append(lines)
    return blocks


def render_markdown(text: object) -> Markup:
    """The text as the chat shows it, as HTML made only of escaped text and our tags."""
    html: list[str] = []
    for block in _blocks(text):
        open_tag = ""  # the list or paragraph being written
        for kind, number, line in block:
            if kind != open_tag:
                if open_tag:
                    html.append(f"</{open_tag}>")
                start = f' start="{int(number)}"' if kind == "ol" and number != "1" else ""
                html.append(f"<{kind}{start}>")
                open_tag = kind
            elif kind == "p":
                html.append("<br>")
            item = _inline(line, html=True)
            html.append(f"<li>{item}</li>" if kind != "p" else item)
        if open_tag:
            html.append(f"</{open_tag}>")
    # Safe: every text in it went through escape() in _inline; the rest is our own tags.
    return Markup(_unpark("".join(html), html=True))  # noqa: S704


def plain_text(text: object) -> str:
    """The text on one line without its marks: list items as "• item"."""
    parts = []
    for block in _blocks(text):
        for kind, _number, line in block:
            words = _inline(line, html=False)
            parts.append(f"• {words}" if kind != "p" else words)
    return _unpark(" ".join(parts), html=False)


def excerpt(text: object, limit: int = 90) -> str:
    """The start of a text as plain words, cut at a word, with "..." if cut."""
    plain = plain_text(text)
    if len(plain) <= limit:
        return plain
    cut = plain[:limit].rsplit(" ", 1)[0].rstrip(" ,;:•")
    return f"{cut}..."
