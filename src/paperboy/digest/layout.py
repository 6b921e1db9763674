"""The text and HTML of a digest, put together from parts rendered once per run.

Readers share sections (the period's trending papers, a topic's new matches) far more than
whole digests: two readers rarely follow the same topics. So each distinct section is rendered
once (digest_section.txt/.html) and the page around the sections (digest.txt/.html) once per
title, with placeholders for the links that are each reader's own. Each section and each
page's head is also encoded once (quoted-printable, :func:`render.qp`) as a
:class:`render.Shared` segment, which the outbox stores once however many digests hold it
(digest/parts.py); a digest is then a list of segments, and what it decodes to is what
rendering the page with its sections in one go gives.

Sections are kept least recently used first and dropped beyond :data:`SECTIONS_KEPT`, so a run's
memory stays flat however many readers it serves (a dropped section is rendered again if
needed).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from markupsafe import escape

from paperboy.digest import render

SECTIONS_KEPT = 2048
PAGES_KEPT = 64
_SECTIONS, _UNSUB, _PREFS = "__PAPERBOY_SECTIONS__", "__PAPERBOY_UNSUBSCRIBE_URL__", "__PAPERBOY_PREFERENCES_URL__"

Parts = tuple[str, str]  # (text, html)


class Section:
    """A rendered section: its text and HTML, and their encodings once asked for."""

    __slots__ = ("text", "html", "_encoded")

    def __init__(self, text: str, html: str) -> None:
        self.text, self.html = text, html
        self._encoded: tuple[render.Shared, render.Shared] | None = None

    def encoded(self) -> tuple[render.Shared, render.Shared]:
        if self._encoded is None:
            self._encoded = (render.Shared(render.qp(self.text)), render.Shared(render.qp(self.html)))
        return self._encoded


class Layout:
    """Rendered parts of one run's digests (one composer: not shared between threads)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._sections: OrderedDict[Hashable, Section] = OrderedDict()
        self._pages: dict[str, tuple[Parts, Parts]] = {}  # title -> (text, html) as (before, after)
        self._heads: dict[str, tuple[render.Shared, render.Shared]] = {}  # title -> encoded befores
        self.rendered = 0  # sections rendered, for benchmarks

    def section(self, key: Hashable, make: Callable[[], dict[str, Any]]) -> Section:
        """The parts of the section ``key`` stands for; ``make`` gives the section (title, note,
        papers as views, maybe because lines) when it is not rendered yet. ``key`` must say
        everything the section shows."""
        parts = self._sections.get(key)
        if parts is not None:
            self._sections.move_to_end(key)
            return parts
        context = {"section": make(), "base_url": self.base_url}
        parts = Section(render.render("digest_section.txt", **context), render.render("digest_section.html", **context))
        self.rendered += 1
        self._sections[key] = parts
        if len(self._sections) > SECTIONS_KEPT:
            self._sections.popitem(last=False)
        return parts

    def _page(self, title: str) -> tuple[Parts, Parts]:
        page = self._pages.get(title)
        if page is None:
            context = {"title": title, "sections": [_SECTIONS], "base_url": self.base_url,
                       "unsubscribe_url": _UNSUB, "preferences_url": _PREFS}
            text = render.render("digest.txt", **context).split(_SECTIONS)
            html = render.render("digest.html", **context).split(_SECTIONS)
            if len(text) != 2 or len(html) != 2:
                raise ValueError("the digest title holds the sections placeholder")
            if len(self._pages) >= PAGES_KEPT:
                self._pages.clear()
                self._heads.clear()
            page = self._pages[title] = ((text[0], text[1]), (html[0], html[1]))
        return page

    def _tails(self, title: str, unsubscribe_url: str, preferences_url: str) -> Parts:
        """(text, html) after the sections, with this reader's links."""
        (_, t1), (_, h1) = self._page(title)
        t1 = t1.replace(_UNSUB, unsubscribe_url).replace(_PREFS, preferences_url)
        # escaped in the HTML as the template's autoescape would have (a base URL may hold "&")
        h1 = h1.replace(_UNSUB, str(escape(unsubscribe_url))).replace(_PREFS, str(escape(preferences_url)))
        return t1, h1

    def encoded(self, title: str, sections: list[Section], unsubscribe_url: str,
                preferences_url: str) -> tuple[list[render.Segment], list[render.Segment]]:
        """(text, html) of a digest titled ``title`` with these sections and this reader's links,
        encoded, as segments: the page's head and the sections shared, the tail with the
        reader's links its own."""
        (t0, _), (h0, _) = self._page(title)
        heads = self._heads.get(title)
        if heads is None:
            heads = self._heads[title] = (render.Shared(render.qp(t0)), render.Shared(render.qp(h0)))
        t1, h1 = self._tails(title, unsubscribe_url, preferences_url)
        encoded = [s.encoded() for s in sections]
        return ([heads[0], *(e[0] for e in encoded), render.qp(t1)],
                [heads[1], *(e[1] for e in encoded), render.qp(h1)])
