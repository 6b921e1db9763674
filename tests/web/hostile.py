"""Helpers for the hostile-input tests: papers written straight into the database (as an
older version, or a parser's bug, could have left them) and a real HTML parser's view of a
page's links and inline code."""

from __future__ import annotations

import re
from datetime import date

import psycopg
from fastapi.testclient import TestClient

from paperboy.web.cache import ResponseCache
from tests.helpers import Page

DAY = date(2024, 11, 8)


def add_paper(conn: psycopg.Connection, pid: str, *, title: str = "A paper", summary: str = "An abstract.",
              authors: tuple[str, ...] = ("Ada Lovelace",), day: date = DAY, arxiv_id: str | None = None,
              upvotes: int = 1, **links: str | None) -> None:
    """One paper listed on ``day``, inserted with SQL: no parser or record check runs."""
    conn.execute(
        "INSERT INTO papers (id, arxiv_id, title, title_key, summary, authors, listed_on, upvotes,"
        " sources, github_repo, project_page, pdf_url)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '{hf-page}', %s, %s, %s)",
        (pid, arxiv_id, title, title.lower(), summary, list(authors), day, upvotes,
         links.get("github_repo"), links.get("project_page"), links.get("pdf_url")),
    )
    conn.execute("INSERT INTO listings (paper_id, day, source) VALUES (%s, %s, 'hf-page')", (pid, day))
    conn.commit()


class PageParts:
    """Every URL attribute of a page, and whatever inline code or style it holds, as the
    HTML parser of tests/helpers.py reads the page."""

    URL_ATTRS = {"href", "src", "action", "formaction", "data", "poster", "srcset"}

    def __init__(self, html: str) -> None:
        elements = Page(html).elements
        self.urls: list[str] = [v for e in elements for k, v in e.attrs.items()
                                if k in self.URL_ATTRS and v is not None]
        self.inline: list[str] = [f"<{e.tag} {k}=…>" for e in elements for k in e.attrs
                                  if k == "style" or k.startswith("on")]
        self.inline += ["<script> without src" for e in elements
                        if e.tag == "script" and not e.attrs.get("src")]
        self.inline += ["<style> element" for e in elements if e.tag == "style"]


_DROPPED = re.compile(r"[\x00-\x20\x7f-\x9f]")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:")


def harmless(url: str) -> bool:
    """A relative URL, or an http(s) one, as a browser reads it (it drops tabs and spaces)."""
    seen = _DROPPED.sub("", url).lower()
    return not _SCHEME.match(seen) or seen.startswith(("http:", "https:"))


def response_cache(client: TestClient) -> ResponseCache:
    """The ResponseCache inside a client's app (its middleware stack is built on first use)."""
    client.get("/static/style.css")
    layer = client.app.middleware_stack
    while not isinstance(layer, ResponseCache):
        layer = layer.app
    return layer
