"""Small real inputs for each parser, the starting points the fuzzers mutate.

Cut from the demo corpus shipped in the package and from the shared recordings, small enough
that one parse takes milliseconds (so 10,000 mutations per parser fit in a few minutes).
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib import resources

from tests.helpers import SHARED

DEMO = resources.files("paperboy.demo") / "data"


def _demo_daily() -> dict:
    doc = json.loads((DEMO / "hf-daily" / "2024-11-04.json").read_text(encoding="utf-8"))
    return {"date": doc["date"], "papers": doc["papers"][:3]}


def _api(daily: dict) -> list[dict]:
    """The same papers in the shape of HF's /api/daily_papers."""
    return [{"paper": {"id": p["url"].rsplit("/", 1)[-1], "title": p["title"], "summary": p["abstract"],
                       "authors": [{"name": a} for a in p["authors"]], "upvotes": p["upvotes"],
                       "publishedAt": "2024-11-01T12:00:00.000Z", "githubRepo": "https://github.com/a/b",
                       "projectPage": "https://example.org/p", "githubStars": 12,
                       "ai_keywords": ["transformers", "agents"], "ai_summary": "A summary."},
             "publishedAt": f"{daily['date']}T09:00:00.000Z", "numComments": 2,
             "submittedBy": {"name": "akhaliq"}} for p in daily["papers"]]


def _snapshot(daily: dict) -> dict:
    return {p["url"].rsplit("/", 1)[-1]: {"url": p["url"], "title": p["title"], "authors": p["authors"],
                                          "abstract": p["abstract"], "upvotes": p["upvotes"],
                                          "publication_date": "2024-11-01T10:08:59Z"}
            for p in daily["papers"]}


def _page() -> str:
    name = sorted(f.name for f in (DEMO / "pages").iterdir() if f.name.endswith(".txt"))[0]
    lines = (DEMO / "pages" / name).read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[:70])


def _atom() -> str:
    recordings = SHARED / "arxiv-api-recorded" / "current"
    if recordings.exists():
        for f in sorted(recordings.glob("*.json")):
            body = json.loads(f.read_text(encoding="utf-8"))["body"]
            if 0 < body.count("<entry>") <= 3:
                return body
    # Without the shared recordings: one entry in the API's layout.
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom"><entry>'
            "<id>http://arxiv.org/abs/2104.12255v1</id><title>0</title>"
            "<updated>2021-04-20T16:07:14Z</updated><published>2021-04-20T16:07:14Z</published>"
            '<link href="https://arxiv.org/pdf/2104.12255v1" rel="related" title="pdf"/>'
            "<summary>What is the funniest number in cryptography?</summary>"
            '<category term="cs.CR" scheme="http://arxiv.org/schemas/atom"/>'
            '<arxiv:primary_category term="cs.CR"/><arxiv:comment>2 pages</arxiv:comment>'
            "<author><name>Quan Thoi Minh Nguyen</name></author></entry></feed>")


def _jsonl() -> str:
    path = SHARED / "arxiv-cs-2025-2026.jsonl.gz"
    if path.exists():
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return "".join(f.readline() for _ in range(4))
    return json.dumps({"id": "2503.11742", "title": "Safe Vision-Language Models", "authors": ["A B"],
                       "categories": ["cs.CV"], "comment": "Work in progress",
                       "abstract": "Vision-language models\nare studied.", "listed_on": "2025-03-18"}) + "\n"


@cache
def seeds() -> dict[str, list[str]]:
    """Real inputs per parser (format name -> texts)."""
    daily = _demo_daily()
    return {
        "hf-page": [_page()],
        "hf-json": [json.dumps(daily), json.dumps(_api(daily)), json.dumps(_snapshot(daily)),
                    json.dumps(_api(daily)[0]["paper"])],
        "arxiv-atom": [_atom()],
        "arxiv-jsonl": [_jsonl()],
    }


@cache
def structured() -> dict[str, list]:
    """The JSON seeds as values, for mutating inside the structure (not just the text)."""
    daily = _demo_daily()
    return {"hf-json": [daily, _api(daily), _snapshot(daily)],
            "arxiv-jsonl": [json.loads(line) for line in _jsonl().splitlines() if line.strip()]}
