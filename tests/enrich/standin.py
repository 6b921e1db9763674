"""The arXiv API for enrichment tests: tests/fetch/replay.py's local server, answering
batched ``id_list`` lookups and title searches.

What it answers with:

* **Real recordings.** Every ``<entry>`` of ``shared/data/arxiv-api-recorded/current`` (106
  distinct papers, recorded from arXiv in 2026 by arxiv.py's test suite), unchanged.
* **A stand-in for the demo's papers, built, not recorded.** No recording covers the demo's
  Hugging Face papers (October–November 2024), and this machine has no internet. So for each
  of them an entry is built in the recorded entries' exact structure (the same elements,
  namespaces and feed header), from the demo's own title, abstract and author list; its
  dates are made up (published the day before the paper was first listed, clamped to its
  id's month; updated = published; version 1) and its category is cs.AI. Tests over these
  entries show what enrichment does with an answer of that shape, not what arXiv says about
  those papers; the real recordings above are what checks real answers.

``id_list=a,b,c`` answers the entries of the ids it knows (an id it does not know is left out,
as arXiv does). ``search_query=ti:"words"`` answers, like arXiv's fuzzy search, every known
entry whose title holds all the query's words but at most one, so near misses come back too.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html import escape
from pathlib import Path
from urllib.parse import unquote

from paperboy.papers.record import arxiv_month, normalise_title, parse_arxiv_id
from tests.fetch.replay import Replay

HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/standin</id>
  <title>arXiv Query: {query}</title>
  <updated>2026-04-12T22:09:36Z</updated>
  <opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
"""

ENTRY = """<entry>
    <id>http://arxiv.org/abs/{id}v1</id>
    <title>{title}</title>
    <updated>{day}T17:59:58Z</updated>
    <link href="https://arxiv.org/abs/{id}v1" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{id}v1" rel="related" type="application/pdf" title="pdf"/>
    <summary>{summary}</summary>
    <category term="cs.AI" scheme="http://arxiv.org/schemas/atom"/>
    <published>{day}T17:59:58Z</published>
    <arxiv:primary_category term="cs.AI"/>
    {authors}
  </entry>"""


def recorded_entries(shared: Path) -> dict[str, str]:
    """Every recorded entry, by arXiv id (without version)."""
    out: dict[str, str] = {}
    for f in sorted((shared / "arxiv-api-recorded" / "current").glob("*.json")):
        body = json.loads(f.read_text())["body"]
        for e in re.findall(r"<entry>.*?</entry>", body, re.S):
            found = parse_arxiv_id(re.search(r"<id>(.*?)</id>", e).group(1))
            if found and "api/errors" not in e:
                out.setdefault(found[0], e)
    return out


def demo_entries(demo_dir: Path) -> dict[str, str]:
    """Built entries for the demo's Hugging Face papers (see the module's docstring)."""
    first_listed: dict[str, tuple[date, dict]] = {}
    for f in sorted((demo_dir / "hf-daily").glob("*.json")):
        day = date.fromisoformat(f.stem)
        for rec in json.loads(f.read_text())["papers"]:
            aid = rec["url"].rstrip("/").split("/")[-1]
            first_listed.setdefault(aid, (day, rec))
    out = {}
    for aid, (day, rec) in first_listed.items():
        published = max(day - timedelta(days=1), arxiv_month(aid) or day)
        authors = "\n    ".join(f"<author>\n      <name>{escape(a)}</name>\n    </author>" for a in rec["authors"])
        out[aid] = ENTRY.format(id=aid, title=escape(rec["title"]), day=published.isoformat(),
                                summary=escape(rec["abstract"]), authors=authors)
    return out


def title_of(entry: str) -> str:
    from html import unescape
    return " ".join(unescape(re.search(r"<title>(.*?)</title>", entry, re.S).group(1)).split())


class ArxivStandIn(Replay):
    def __init__(self, shared: Path, demo_dir: Path | None = None) -> None:
        super().__init__(shared)
        self.entries = recorded_entries(shared)
        if demo_dir is not None:
            for aid, e in demo_entries(demo_dir).items():
                self.entries.setdefault(aid, e)

    def feed(self, entries: list[str], query: str) -> str:
        return HEAD.format(query=escape(query), size=len(entries), total=len(entries)) + \
            "  " + "\n  ".join(entries) + "\n</feed>\n"

    def arxiv_lookup(self, id_list: str) -> tuple[int, str]:
        ids = [i for i in id_list.split(",") if i]
        if len(ids) == 1 and ids[0] in self.arxiv_ids:  # a recorded lookup, with its recorded status
            return self.arxiv_ids[ids[0]]
        found = [self.entries[i] for i in ids if i in self.entries]
        return 200, self.feed(found, f"id_list={id_list}")

    def arxiv_body(self, params: dict[str, str]) -> str:
        q = unquote(params.get("search_query", ""))
        m = re.fullmatch(r'ti:"(.*)"', q)
        if not m:
            return super().arxiv_body(params)
        words = set(normalise_title(m.group(1)).split())
        hits = [e for e in self.entries.values()
                if len(words - set(normalise_title(title_of(e)).split())) <= 1]
        return self.feed(hits[: int(params.get("max_results", 10))], q)
