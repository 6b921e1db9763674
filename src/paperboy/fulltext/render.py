"""A stored full text (Markdown and outline, fulltext/store.py) as the Read view's HTML:
``GET /papers/{id}/read`` (web/routes/read.py). Server-side only, no JavaScript, nothing
from another site.

markdown-it-py renders (CommonMark with tables; raw HTML off, so ``<script>`` in a paper is
shown as text; images off); nh3 then keeps only an allow-list of tags and attributes, as for
comments (community/markdown.py). Our own rules:

- **headings** get ``id`` = their anchor in the outline (``S4.SS2``, arXiv's own ids), so
  ``/papers/{id}/read#S4.SS2`` (the table of contents, passage search's links) lands on the
  section. An anchor that is empty, repeated or one of the page's own ids gets ``sec-N``;
- **math** ``$…$`` and ``$$…$$`` is kept as its LaTeX source in ``<code class="math">``
  (``class="math display"`` for display math): no renderer, no CDN, nothing for the CSP;
- **footnotes** ``[^1]`` link to their text at the end (``id="fn-1"``);
- **highlight**: the terms of ``?hl=`` are marked in text tokens only (fulltext/highlight.py),
  never inside math, code, tags or attributes;
- tables sit in a scrollable, focusable box (a wide table must not widen the page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

from paperboy.fulltext import highlight
from paperboy.fulltext.convert import Heading
from paperboy.fulltext.store import FullText

TAGS = {"p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h2", "h3",
        "h4", "h5", "h6", "span", "sup", "mark", "table", "thead", "tbody", "tr", "th", "td", "div"}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "sup": {"id"}, "div": {"tabindex", "role", "aria-label"},
              **{f"h{n}": {"id"} for n in range(2, 7)}}
CLASSES = {"code": {"math", "display"}, "sup": {"fnref", "fn"}, "div": {"table-wrap"}}
SCHEMES = {"http", "https", "mailto"}
REL = "nofollow noopener"
# ids the page around the text uses (templates/base.html, read.html): no heading may take one
PAGE_IDS = {"main", "q", "sub-email-footer", "toc", "toc-h", "text-h", "hl-note"}
_ID = re.compile(r"[A-Za-z][\w.:-]{0,99}")
_FOOTNOTE = re.compile(r"\[\^([A-Za-z0-9_.-]{1,20})\](:?)")


@dataclass(frozen=True)
class TocEntry:
    level: int
    html: str  # the heading's title as safe inline HTML
    id: str  # the heading's id in the rendered text


@dataclass(frozen=True)
class Rendered:
    html: str  # the text, safe HTML
    toc: list[TocEntry]
    marks: int  # how many times the ?hl terms were marked
    terms: list[str]


def _unescaped(src: str, start: int, end: int, what: str) -> int:
    """Where ``what`` next occurs in ``src[start:end]`` not after an odd number of backslashes; -1."""
    i = src.find(what, start, end)
    while i >= 0:
        slashes = 0
        while i - slashes - 1 >= start and src[i - slashes - 1] == "\\":
            slashes += 1
        if slashes % 2 == 0:
            return i
        i = src.find(what, i + 1, end)
    return -1


def _math(state: StateInline, silent: bool) -> bool:
    """``$$…$$`` or ``$…$``: the converter escapes every ``$`` of the text (``\\$``), so an
    unescaped one opens a formula and the next one closes it."""
    src, pos, end = state.src, state.pos, state.posMax
    if src[pos] != "$":
        return False
    display = src.startswith("$$", pos)
    opening = 2 if display else 1
    close = _unescaped(src, pos + opening, end, "$$" if display else "$")
    if close < 0 or close == pos + opening:
        return False
    if not silent:
        token = state.push("math_display" if display else "math", "code", 0)
        token.content = src[pos:close + opening]
    state.pos = close + opening
    return True


def _footnote(state: StateInline, silent: bool) -> bool:
    """``[^1]`` a reference to footnote 1; ``[^1]:`` at a paragraph's start, its text."""
    if state.src[state.pos] != "[":
        return False
    m = _FOOTNOTE.match(state.src, state.pos, state.posMax)
    if m is None:
        return False
    if not silent:
        kind = "footnote_def" if m.group(2) and state.pos == 0 else "footnote_ref"
        token = state.push(kind, "sup", 0)
        token.content = m.group(1)
    state.pos = m.end() if m.group(2) and state.pos == 0 else m.start() + len(m.group(1)) + 3
    return True


def _render_math(self, tokens, idx, options, env) -> str:
    return f'<code class="math">{escapeHtml(tokens[idx].content)}</code>'


def _render_math_display(self, tokens, idx, options, env) -> str:
    return f'<code class="math display">{escapeHtml(tokens[idx].content)}</code>'


def _render_footnote_ref(self, tokens, idx, options, env) -> str:
    label = escapeHtml(tokens[idx].content)
    return f'<sup class="fnref"><a href="#fn-{label}">{label}</a></sup>'


def _render_footnote_def(self, tokens, idx, options, env) -> str:
    label = escapeHtml(tokens[idx].content)
    return f'<sup class="fn" id="fn-{label}">{label}</sup>'


def _render_text(self, tokens, idx, options, env) -> str:
    out, n = highlight.mark(tokens[idx].content, env.get("found"))
    env["marks"] = env.get("marks", 0) + n
    return out


def _render_heading_open(self, tokens, idx, options, env) -> str:
    """``<hN id=…>``: the next outline entry of this level and title gives the id."""
    tag = tokens[idx].tag
    title = tokens[idx + 1].content if idx + 1 < len(tokens) else ""
    outline: Sequence[Heading] = env.get("outline", ())
    ids: list[str] = env.get("ids", [])
    k = env.get("next", 0)
    for j in range(k, min(k + 50, len(outline))):
        if f"h{outline[j].level}" == tag and outline[j].title == title:
            env["next"] = j + 1
            return f'<{tag} id="{escapeHtml(ids[j])}">'
    env["extra"] = env.get("extra", 0) + 1
    return f'<{tag} id="sec-x{env["extra"]}">'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.enable("table")
    md.disable(["image", "reference"])  # the converter writes no link definitions; "[^1]: …" is a footnote
    md.validateLink = lambda url: url.strip().lower().startswith(("http://", "https://", "mailto:"))  # type: ignore[method-assign]
    md.inline.ruler.before("emphasis", "math", _math)
    md.inline.ruler.before("link", "footnote", _footnote)
    md.add_render_rule("math", _render_math)
    md.add_render_rule("math_display", _render_math_display)
    md.add_render_rule("footnote_ref", _render_footnote_ref)
    md.add_render_rule("footnote_def", _render_footnote_def)
    md.add_render_rule("text", _render_text)
    md.add_render_rule("heading_open", _render_heading_open)
    md.add_render_rule("table_open", lambda *a: '<div class="table-wrap" tabindex="0" role="region" aria-label="Table (scrolls sideways)"><table>\n')
    md.add_render_rule("table_close", lambda *a: "</table></div>\n")
    return md


_MD = _parser()


def clean(html: str) -> str:
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, allowed_classes=CLASSES, url_schemes=SCHEMES,
                     link_rel=REL, strip_comments=True)


def heading_ids(outline: Iterable[Heading]) -> list[str]:
    """The id each outline entry gets: its anchor, unless that is empty, not an id, taken by
    the page or by an earlier heading; then ``sec-N`` (N its place in the outline, from 1)."""
    out: list[str] = []
    used = set(PAGE_IDS)
    for n, h in enumerate(outline, 1):
        anchor = h.anchor if h.anchor and _ID.fullmatch(h.anchor) and h.anchor not in used else f"sec-{n}"
        used.add(anchor)
        out.append(anchor)
    return out


def render(markdown: str, outline: Sequence[Heading], hl: str | None = None) -> Rendered:
    """The Read view of a full text: its HTML with ids on the headings, its table of contents,
    and the ``hl`` terms marked."""
    words = highlight.terms(hl)
    ids = heading_ids(outline)
    env: dict = {"outline": list(outline), "ids": ids, "found": highlight.pattern(words)}
    html = clean(_MD.render(markdown, env))
    toc = [TocEntry(h.level, clean(_MD.renderInline(h.title, {})), i) for h, i in zip(outline, ids, strict=True)]
    return Rendered(html=html, toc=toc, marks=env.get("marks", 0), terms=words)


def as_json(paper_id: str, text: FullText | None, status: dict[str, Any] | None) -> dict[str, Any]:
    """The Read view's JSON twin (``GET /api/papers/{id}/fulltext``)."""
    return {"id": paper_id, "status": "text" if text else (status or {}).get("status", "unknown"),
            "version": text.version if text else (status or {}).get("version"),
            "reason": None if text else (status or {}).get("reason"),
            "truncated": text.truncated if text else False,
            "outline": [h.as_dict() for h in text.outline] if text else [],
            "markdown": text.markdown if text else None}
