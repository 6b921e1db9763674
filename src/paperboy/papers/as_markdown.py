"""A paper as Markdown (``/papers/{id}.md``, what ``hf papers read`` asks for): title,
authors, links, abstract, and the community's comments.

Titles, authors and abstracts are text, not Markdown: the characters Markdown would act on
(``*``, ``_``, ``<``, ``[``, ``#``, backquotes, entities, a backslash before punctuation,
list or heading marks at a line start) are escaped with a backslash, so a title like
``A <b>bold</b> *claim* about $x_i$`` renders exactly as written. LaTeX stays readable:
``\\alpha`` or ``$x^2$`` need no escape. Comments are Markdown already and are quoted as
their authors wrote them, except that raw HTML tags outside code become text. Which comments
readers see is community/comments.py's rule (``thread``), the same as on the HTML page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from paperboy.papers.view import PaperView

if TYPE_CHECKING:
    from paperboy.community.comments import Comment
    from paperboy.fulltext.store import FullText

_SPECIAL = re.compile(r"[`*_\[\]<>#|~]|\\(?=[!-/:-@\[-`{-~])|&(?=#?\w+;)")
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))", re.M)
_URL = re.compile(r"https?://[^\s<>\x00-\x1f\x7f]+")
_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_CODE_SPAN = re.compile(r"(`+)(?:.*?[^`])?\1(?!`)", re.S)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


def text(value: str) -> str:
    r"""``value`` escaped so that Markdown shows it as written.

    >>> text("A *bold* <b>claim</b> on x_i & \\alpha")
    'A \\*bold\\* \\<b\\>claim\\</b\\> on x\\_i & \\alpha'
    >>> text("1. not a list")
    '1\\. not a list'
    """
    escaped = _SPECIAL.sub(lambda m: "\\" + m.group(0), value)
    lines = [line.strip() for line in escaped.split("\n")]  # indentation would make code
    return _LINE_START.sub(lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit()
                                                     else "\\" + m.group(2)), "\n".join(lines))


def link(label: str, url: str | None) -> str | None:
    """``- label: <url>`` (an autolink), or None without a usable URL."""
    if not url or not _URL.fullmatch(url):
        return None
    return f"- {label}: <{url}>"


def _no_tags(body: str) -> str:
    """Markdown as written, with raw HTML tags outside code turned into text."""
    out, fenced = [], False
    for line in body.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            parts, last = [], 0
            for m in _CODE_SPAN.finditer(line):
                parts += [_TAG.sub(r"\\<", line[last:m.start()]), m.group(0)]
                last = m.end()
            line = "".join(parts) + _TAG.sub(r"\\<", line[last:])
        out.append(line)
    return "\n".join(out)


def _quote(body: str, depth: int = 1) -> str:
    prefix = "> " * depth
    return "\n".join((prefix + line).rstrip() for line in body.split("\n"))


def _when(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render(p: PaperView, thread: list[Comment], base_url: str = "", fulltext: FullText | None = None) -> str:
    """The whole page as Markdown text; with ``fulltext``, the paper's text follows the
    abstract (its sections are ``##`` headings, like Abstract's), before the comments."""
    out = [f"# {text(p.title)}", ""]
    if p.authors:
        more = p.n_authors - len(p.authors)
        out.append("**Authors:** " + text(", ".join(p.authors)) + (f" and {more} more" if more > 0 else ""))
    elif p.n_authors:
        out.append(f"**Authors:** {p.n_authors} authors")
    facts = [f"arXiv {p.arxiv_id}" + (f"v{p.version}" if p.version else "")] if p.arxiv_id else []  # [\w./-]
    if p.published_at:
        facts.append(f"published {p.published_at.isoformat()}")
    facts.append(f"{p.upvotes} upvote{'' if p.upvotes == 1 else 's'}")
    if p.submitted_by:
        facts.append(f"submitted by {text(p.submitted_by)}")
    out += ["", " · ".join(facts), ""]
    if p.withdrawn:
        out += ["**Withdrawn** by its authors.", ""]
    links = [link("arXiv", p.links.arxiv), link("PDF", p.links.pdf), link("Code", p.links.code),
             link("Project page", p.links.project), link("On this hub", f"{base_url}{p.path}" if base_url else None)]
    if any(links):
        out += ["## Links", "", *[x for x in links if x], ""]
    out += ["## Abstract", "", text(p.summary) if p.summary else "_No abstract known._", ""]
    if p.categories:
        out += ["**Categories:** " + text(", ".join(p.categories)), ""]
    if fulltext is not None:
        v = f"v{fulltext.version}" if fulltext.version else ""
        source = f"arXiv {p.arxiv_id}{v}" if p.arxiv_id else "arXiv"
        out += ["---", "", f"*The full text below is converted from {text(source)}'s HTML version.*", "",
                fulltext.markdown.rstrip("\n"), "", "---", ""]
    shown = sum(c.shown for c in thread) + sum(len(c.replies) for c in thread)
    out += [f"## Comments ({shown})", ""]
    if not thread:
        out += ["No comments yet.", ""]
    for c in thread:
        if c.shown:
            out += [f"**{text(c.author)}** · {_when(c.created)}", "", _quote(_no_tags(c.body)), ""]
        else:
            out += ["_A removed comment._", ""]
        for r in c.replies:
            out += [f"> **{text(r.author)}** replied · {_when(r.created)}", ">", _quote(_no_tags(r.body), 2), ""]
    return "\n".join(out).rstrip("\n") + "\n"

