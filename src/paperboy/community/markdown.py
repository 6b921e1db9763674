"""Comment Markdown to safe HTML, once, when a comment is written.

markdown-it-py (CommonMark, raw HTML off: ``<b>`` is shown as text) renders; nh3 then keeps
only a small allow-list of tags and attributes, links only to http(s) and mailto addresses,
each with ``rel="nofollow noopener ugc"``. Two inline rules of our own:

- **math**: ``$…$`` and ``$$…$$`` are kept as their literal text in ``<span class="math">``,
  so ``$a_b * c_d$`` is never read as emphasis (a page may typeset them later);
- **mentions**: ``@name`` of an existing member becomes a link to their page; which names
  exist is asked once per comment (:func:`mention_candidates` → the ``members`` mapping).

Images are not rendered (``![alt](url)`` stays text): a comment must not load another
site's pixels into every reader's browser.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

TAGS = {"p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a",
        "h1", "h2", "h3", "h4", "h5", "h6", "span"}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
CLASSES = {"span": {"math"}, "a": {"mention"}}
SCHEMES = {"http", "https", "mailto"}
REL = "nofollow noopener ugc"
# A handle as members.NAME allows, after an @ that does not follow a word character (so
# ada@example.org mentions no one).
MENTION = re.compile(r"(?<![\w@./-])@([A-Za-z0-9][A-Za-z0-9_.-]{0,38})")


def _name_end(src: str, start: int) -> int:
    """Where a handle starting at ``start`` ends (a trailing '.' or '-' is punctuation)."""
    end = start
    while end < len(src) and end - start < 39 and (src[end].isascii() and (src[end].isalnum() or src[end] in "_.-")):
        end += 1
    while end > start and src[end - 1] in ".-":
        end -= 1
    return end


def _closers(state: StateInline) -> list[int]:
    """Where a ``$…$`` formula may end in this inline text: each ``$`` not after a backslash
    or a space, nor before a digit. Found once per text (kept in the render's ``env``): a scan
    from every ``$`` made a comment of 5,000 ``$1`` take seconds."""
    memo = state.env.setdefault("math_closers", {})
    src = state.src
    found = memo.get(src)
    if found is None:
        found, i = [], src.find("$", 1)
        while i > 0:
            if not (src[i - 1] == "\\" or src[i - 1].isspace() or (i + 1 < len(src) and src[i + 1].isdigit())):
                found.append(i)
            i = src.find("$", i + 1)
        memo[src] = found
    return found


def _math(state: StateInline, silent: bool) -> bool:
    """``$$…$$`` or ``$…$`` (no space just inside the dollars, as in pandoc) as literal text."""
    src, pos = state.src, state.pos
    if src[pos] != "$":
        return False
    if src.startswith("$$", pos):
        end = src.find("$$", pos + 2)
        if end < 0 or end == pos + 2:
            return False
        close = end + 2
    else:
        if pos + 1 >= state.posMax or src[pos + 1].isspace():
            return False
        closers = _closers(state)  # (\$ inside is part of the formula)
        k = bisect.bisect_left(closers, pos + 1)
        if k == len(closers) or closers[k] >= state.posMax:
            return False
        close = closers[k] + 1
    if close > state.posMax:
        return False
    if not silent:
        token = state.push("math", "span", 0)
        token.content = src[pos:close]
    state.pos = close
    return True


def _mention(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "@" or state.linkLevel > 0:  # never a link inside a link
        return False
    if pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "_@./-"):
        return False
    end = _name_end(src, pos + 1)
    known: Mapping[str, str] = state.env.get("members") or {}
    name = known.get(src[pos + 1:end].lower())
    if end == pos + 1 or name is None:
        return False
    if not silent:
        token = state.push("mention", "a", 0)
        token.content = name
        state.env.setdefault("mentioned", []).append(name)
    state.pos = end
    return True


def _render_math(self, tokens, idx, options, env) -> str:
    return f'<span class="math">{escapeHtml(tokens[idx].content)}</span>'


def _render_mention(self, tokens, idx, options, env) -> str:
    name = tokens[idx].content
    return f'<a class="mention" href="/members/{escapeHtml(name)}">@{escapeHtml(name)}</a>'


def _link_ok(url: str) -> bool:
    """Links go to http(s) and mailto addresses only (not javascript:, data:, relative)."""
    return url.strip().lower().startswith(("http://", "https://", "mailto:"))


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False})
    md.validateLink = _link_ok  # type: ignore[method-assign]
    md.disable("image")
    md.inline.ruler.before("emphasis", "math", _math)
    md.inline.ruler.before("emphasis", "mention", _mention)
    md.add_render_rule("math", _render_math)
    md.add_render_rule("mention", _render_mention)
    return md


_MD = _parser()


@dataclass(frozen=True)
class Rendered:
    html: str
    mentioned: tuple[str, ...]  # the members' names, as stored, in order of first mention


def mention_candidates(body: str) -> set[str]:
    """Every ``@name`` in ``body``, lower-cased: the names to look up before rendering."""
    return {m.group(1).rstrip(".-").lower() for m in MENTION.finditer(body)}


def clean(html: str) -> str:
    """``html`` with only the allowed tags, attributes and link schemes."""
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, allowed_classes=CLASSES,
                     url_schemes=SCHEMES, link_rel=REL, strip_comments=True)


def render(body: str, members: Mapping[str, str] | None = None) -> Rendered:
    """Safe HTML of a comment. ``members`` maps lower-cased names to the names of existing
    members: only their ``@name`` become mentions.

    >>> render("*hi* $a_b * c_d$").html
    '<p><em>hi</em> <span class="math">$a_b * c_d$</span></p>'
    """
    env: dict = {"members": dict(members or {})}
    html = _MD.render(body, env)
    mentioned = tuple(dict.fromkeys(env.get("mentioned", [])))
    return Rendered(html=clean(html).strip(), mentioned=mentioned)
