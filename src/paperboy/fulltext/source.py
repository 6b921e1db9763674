"""The enrichment source ``fulltext``: a paper's text from arXiv's HTML (LaTeXML) at
``{PAPERBOY_ARXIV_HTML_URL}/{arXiv id}``, converted to Markdown (convert.py) and stored
(store.py). It is one entry of enrich.sources.SOURCES: its state, retries with growing delays,
lease and polite rate are the enrichment job's.

Which papers: ``PAPERBOY_FULLTEXT`` (SCOPES). An answer is one of

- a LaTeXML page with text: stored, with the version read (from the address arXiv redirected
  to, else the page's own links, else the paper's known version);
- HTTP 404, or a LaTeXML page without text (its conversion failed): 'no full text' with the
  reason; asked again only when the paper gets a newer version (STALE);
- anything else (5xx, timeouts, a page that is not LaTeXML): retried by the polite client, then
  by the job with growing delays. Nothing stored before is touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg

from paperboy.fetch.client import PoliteClient, Retry
from paperboy.fulltext import store
from paperboy.fulltext.convert import Converted, convert

NAME = "fulltext"
SERVICE = "arxiv-html"
_LIBRARY = ("EXISTS (SELECT 1 FROM votes v WHERE v.paper_id = p.id)"
            " OR EXISTS (SELECT 1 FROM collection_papers c WHERE c.paper_id = p.id)"
            " OR EXISTS (SELECT 1 FROM library_entries le WHERE le.paper_id = p.id)")
_DAILY = "EXISTS (SELECT 1 FROM listings l WHERE l.paper_id = p.id)"
SCOPES = {"daily": _DAILY, "library": f"{_DAILY} OR {_LIBRARY}", "all": "true", "off": "false"}
# a paper asked about before whose arXiv version is now newer than the one read, or whose text
# the budget evicted (budget.py) and that a member has since put in their library
STALE = ("EXISTS (SELECT 1 FROM fulltexts f WHERE f.paper_id = p.id AND (p.version > coalesce(f.version, 0)"  # noqa: S608
         f" OR f.status = 'evicted' AND ({_LIBRARY})))")


@dataclass(frozen=True)
class Answer:
    converted: Converted | None  # None: no full text
    version: int | None
    reason: str = ""


def scope(cfg: Any) -> str:
    return SCOPES[cfg.fetch.fulltext]


def _version(url: str, page: bytes, arxiv_id: str) -> int | None:
    pattern = re.compile(rf"/(?:html|abs|pdf)/{re.escape(arxiv_id)}v(\d+)")
    m = pattern.search(url) or pattern.search(page[:300_000].decode("utf-8", "replace"))
    return int(m.group(1)) if m and len(m.group(1)) < 6 else None


def _check(arxiv_id: str, known: int | None):
    def check(response: httpx.Response) -> Answer:
        if response.status_code == 404:
            return Answer(None, known, "arXiv has no HTML version of this paper (HTTP 404)")
        try:
            converted = convert(response.content)
        except ValueError as e:  # over the size cap: asking again will not change it
            return Answer(None, known, f"arXiv's HTML page is too large: {e}")
        if not converted.latexml:
            raise Retry("the answer is not an arXiv HTML (LaTeXML) page")
        version = _version(str(response.url), response.content, arxiv_id) or known
        if not converted.markdown:
            return Answer(None, version, "arXiv's HTML version has no text (its LaTeXML conversion failed)")
        return Answer(converted, version)
    return check


def fetch(client: PoliteClient, cfg: Any, rows: list[dict[str, Any]]) -> dict[str, Answer]:
    out = {}
    for r in rows:
        url = f"{cfg.fetch.arxiv_html_url}/{r['arxiv_id']}"
        out[r["id"]] = client.get(url, check=_check(r["arxiv_id"], r["version"]), accept=(404,),
                                  what=f"the HTML of {r['arxiv_id']}")
    return out


def apply(conn: psycopg.Connection, rows: list[dict[str, Any]], answer: dict[str, Answer]) -> dict[str, str | None]:
    notes: dict[str, str | None] = {}
    for r in rows:
        a = answer.get(r["id"])
        if a is None:
            notes[r["id"]] = None
        elif a.converted is None:
            store.save_none(conn, r["id"], a.version, a.reason)
            notes[r["id"]] = f"no full text: {a.reason}"
        else:
            size = store.save_text(conn, r["id"], a.version, a.converted.markdown, a.converted.outline,
                                   a.converted.truncated)
            v = f"v{a.version}" if a.version else "latest version"
            notes[r["id"]] = (f"full text of {v}: {len(a.converted.markdown):,} characters, "
                              f"{len(a.converted.outline)} headings, {size:,} bytes stored")
    return notes
