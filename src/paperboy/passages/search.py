"""Searching inside papers: the passage index's hits as a keyword leg of papers (each paper's
best passage), merged with the abstract index's leg, and what a result says of its passage:
"§4.2 Ablations: … snippet …" with a link to that section of the Read view."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import psycopg
from markupsafe import Markup, escape

from paperboy.passages.index import Found, Hit
from paperboy.search.fusion import Leg, normalised
from paperboy.search.highlight import spans
from paperboy.search.keyword import Filters

SNIPPET = 240  # characters of a passage shown around its first match
_NUMBERED = re.compile(r"^([A-Z]|\d+)(\.\d+)*\.?\s")
_NOT_PLAIN = re.compile(r"[$\\`<>|\[\]{}^_]|https?:")


def label(section: str) -> str:
    """How a result names a section: "§4.2 Ablations" for a numbered one, else its title."""
    return f"§{section}" if _NUMBERED.match(section) else section


def snippet(text: str, words: list[str], width: int = SNIPPET) -> tuple[str, Markup]:
    """(plain, HTML with <mark>) of about ``width`` characters of ``text`` around the first word
    sharing a stem with one of ``words`` (the start when none does); "…" where it is cut."""
    found = spans(text, words)
    start = 0
    if found and len(text) > width:
        start = max(0, found[0][0] - width // 3)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < found[0][0] else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start + width // 2, end)
        end = space if space > 0 else end
    piece = text[start:end]
    before, after = ("… " if start else ""), (" …" if end < len(text) else "")
    out, last = [], 0
    for s, e in spans(piece, words):
        out.append(str(escape(piece[last:s])))
        out.append(f"<mark>{escape(piece[s:e])}</mark>")
        last = e
    out.append(str(escape(piece[last:])))
    return before + piece + after, Markup(before + "".join(out) + after)


def text_directive(text: str, words: list[str], around: int = 4) -> str:
    """A text fragment (``:~:text=…``, which Chromium, Edge and Safari highlight and scroll to,
    no script needed) for the first matched word of ``text`` with ``around`` words either side;
    "" when there is no match or the words there hold math or markup (the rendered page would
    not show them as written)."""
    found = spans(text, words)
    if not found:
        return ""
    start = found[0][0]
    head = text[:start].split()
    if head and not text[start - 1].isspace():
        head.pop()  # the matched word's token began before it ("(rotary")
    i = len(head)
    line = " ".join(text.split()[max(0, i - around):i + 1 + around])
    if _NOT_PLAIN.search(line):
        return ""
    return ":~:text=" + quote(line, safe="").replace("-", "%2D")  # ("-" and "," are its syntax)


def describe(paper_id: str, hit: Hit, words: list[str]) -> dict[str, Any]:
    """What a search result says of its passage (the API's ``passage``): ``url`` is the section
    in the Read view; ``highlight_url`` the same with the query's words marked there (``?hl=``,
    the Read view's <mark>s) and a text fragment that scrolls to the match."""
    plain, html = snippet(hit.text, words)
    base = f"/papers/{quote(paper_id, safe='/:')}/read"
    anchor = f"#{quote(hit.anchor, safe='.')}" if hit.anchor else ""
    marked = base + ("?hl=" + quote(" ".join(words), safe="") if words else "")
    directive = text_directive(hit.text, words)
    return {"section": hit.section, "label": label(hit.section), "anchor": hit.anchor, "snippet": plain,
            "snippet_html": html, "url": base + anchor,
            "highlight_url": marked + (anchor or "#") + directive if directive else marked + anchor}


def public(passage: dict[str, Any] | None) -> dict[str, Any] | None:
    """The passage as the JSON API gives it (no HTML)."""
    if passage is None:
        return None
    return {k: passage[k] for k in ("section", "label", "anchor", "snippet", "url", "highlight_url")}


def paper_leg(conn: psycopg.Connection, found: Found, filters: Filters | None = None) -> tuple[Leg, dict[str, int]]:
    """Each paper's best passage as a leg of paper ids (scored by that passage's BM25), and the
    seq of each paper id (its passage: ``found.hit(seq)``). Only papers whose text is still
    stored, not hidden, and within the filters."""
    if not found.best:
        return Leg(), {}
    f = filters or Filters()
    rows = conn.execute(
        "SELECT p.seq, p.id, p.title_key FROM papers p JOIN fulltexts t ON t.paper_id = p.id AND t.status = 'text'"
        " WHERE p.seq = ANY(%(seqs)s) AND NOT p.hidden"
        " AND (%(since)s::date IS NULL OR coalesce(p.listed_on, p.published_at)::date >= %(since)s::date)"
        " AND (%(until)s::date IS NULL OR coalesce(p.listed_on, p.published_at)::date <= %(until)s::date)"
        " AND (NOT %(code)s OR p.github_repo IS NOT NULL)"
        " AND (%(cat)s::text IS NULL OR %(cat)s::text = ANY(p.categories))",
        {"seqs": list(found.best), "since": f.since, "until": f.until, "code": f.has_code, "cat": f.category},
    ).fetchall()
    by_seq = {r["seq"]: r for r in rows}
    kept = [(by_seq[s], score) for s, (score, _) in found.best.items() if s in by_seq]
    leg = Leg([r["id"] for r, _ in kept], [score for _, score in kept], {r["id"]: r["title_key"] for r, _ in kept})
    return leg, {r["id"]: r["seq"] for r, _ in kept}


def merge(abstracts: Leg, texts: Leg) -> Leg:
    """One keyword leg from the abstract index's and the passage index's: each normalised to
    [0, 1] (fusion.normalised) and summed, so a paper matching in both goes first."""
    if not texts.ids:
        return abstracts
    if not abstracts.ids:
        return texts
    a, t = normalised(abstracts, 0.0), normalised(texts, 0.0)
    score = {pid: a.get(pid, 0.0) + t.get(pid, 0.0) for pid in dict.fromkeys(abstracts.ids + texts.ids)}
    ids = sorted(score, key=lambda pid: -score[pid])
    return Leg(ids, [score[pid] for pid in ids], {**texts.titles, **abstracts.titles})
