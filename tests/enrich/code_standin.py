"""GitHub's REST API and the Hub's ``/api/arxiv/{id}/repos`` for the code and stars tests:
the arXiv stand-in (standin.py, on tests/fetch/replay.py's local server) with two more routes.

* ``GET /repos/{owner}/{repo}`` answers the **real recorded bodies** of
  ``shared/data/github-api-recorded/<owner>__<repo>.json`` (github3.py's Betamax cassettes,
  2017-2025), matched without regard to case as GitHub does. ``kennethreitz/requests``, renamed
  to requests/requests, answers ``301`` with ``Location: /repositories/1362490`` as GitHub
  answers a renamed repository, and ``/repositories/{id}`` serves the recording with that id
  (requests/requests and betamaxpy/betamax were recorded through those ``/repositories/`` URLs).
  Any other repository answers GitHub's 404 body.
* ``GET /api/arxiv/{id}/repos`` is **built, not recorded**: no recording of it exists under a
  licence we can use (see shared/data/README.md). :data:`HUB_REPOS` holds one made-up answer
  in the shape Hugging Face documents for it and for its repository listings (``id``,
  ``author``, ``likes``, ``downloads``, ``lastModified``, ``pipeline_tag``, ``private``…, the
  fields huggingface_hub's ModelInfo, DatasetInfo and SpaceInfo read). Its names and counts are
  invented: tests over it show what paperboy does with that shape, nothing about that paper.
  Other ids answer 404, as the Hub does for a paper it does not know.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.enrich.standin import ArxivStandIn

NOT_FOUND = json.dumps({"message": "Not Found", "documentation_url":
                        "https://docs.github.com/rest/repos/repos#get-a-repository", "status": "404"})
RENAMED = {"kennethreitz/requests": 1362490}

HUB_PAPER = "2607.08404"  # DrugGen-2, in the recorded daily_papers.2026-07-14.json
HUB_REPOS = {HUB_PAPER: {
    "models": [
        {"_id": "66a0c0ffee0000000000a001", "id": "example-lab/druggen-2-small", "author": "example-lab",
         "likes": 4, "downloads": 310, "lastModified": "2026-07-10T08:00:00.000Z", "private": False,
         "gated": False, "pipeline_tag": "text-generation", "library_name": "transformers",
         "tags": ["transformers", "safetensors", "gpt2", "text-generation", "arxiv:2607.08404"],
         "createdAt": "2026-07-09T10:00:00.000Z"},
        {"_id": "66a0c0ffee0000000000a002", "id": "example-lab/druggen-2", "author": "example-lab",
         "likes": 12, "downloads": 1520, "lastModified": "2026-07-11T08:00:00.000Z", "private": False,
         "gated": False, "pipeline_tag": "text-generation", "library_name": "transformers",
         "tags": ["transformers", "safetensors", "gpt2", "text-generation", "arxiv:2607.08404"],
         "createdAt": "2026-07-09T09:00:00.000Z"},
    ] + [{"_id": f"66a0c0ffee0000000000b{n:03d}", "id": f"someone-{n}/druggen-2-finetune", "author": f"someone-{n}",
          "likes": 0, "downloads": n, "lastModified": "2026-07-12T08:00:00.000Z", "private": False,
          "pipeline_tag": "text-generation", "tags": ["arxiv:2607.08404"]} for n in range(5)],
    "datasets": [
        {"_id": "66a0c0ffee0000000000c001", "id": "example-lab/druggen-2-pairs", "author": "example-lab",
         "likes": 3, "downloads": 88, "lastModified": "2026-07-09T12:00:00.000Z", "private": False,
         "gated": False, "tags": ["size_categories:100K<n<1M", "arxiv:2607.08404"]},
    ],
    "spaces": [
        {"_id": "66a0c0ffee0000000000d001", "id": "example-lab/DrugGen-2", "author": "example-lab",
         "likes": 7, "lastModified": "2026-07-10T15:00:00.000Z", "private": False, "sdk": "gradio",
         "tags": ["gradio", "region:us"]},
    ],
}}


class CodeStandIn(ArxivStandIn):
    def __init__(self, shared: Path, demo_dir: Path | None = None) -> None:
        super().__init__(shared, demo_dir)
        self.repos: dict[str, str] = {}
        self.by_id: dict[int, str] = {}
        for f in sorted((shared / "github-api-recorded").glob("*__*.json")):
            if f.name.endswith(".raw-fixture.json"):
                continue
            body = f.read_text()
            repo = json.loads(body)
            self.repos[repo["full_name"].lower()] = body
            self.by_id[repo["id"]] = body
        self.hub = {k: json.dumps(v) for k, v in HUB_REPOS.items()}

    def other(self, path: str, params: dict[str, str]) -> tuple[int, str, dict[str, str], str] | None:
        json_type = "application/json; charset=utf-8"
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "repos":
            name = f"{parts[1]}/{parts[2]}".lower()
            if name in RENAMED:
                return 301, json.dumps({"message": "Moved Permanently", "url": f"{self.url}/repositories/{RENAMED[name]}"}), \
                    {"Location": f"{self.url}/repositories/{RENAMED[name]}"}, json_type
            return (200, self.repos[name], {}, json_type) if name in self.repos else (404, NOT_FOUND, {}, json_type)
        if len(parts) == 2 and parts[0] == "repositories" and parts[1].isdigit() and int(parts[1]) in self.by_id:
            return 200, self.by_id[int(parts[1])], {}, json_type
        if len(parts) == 4 and parts[:2] == ["api", "arxiv"] and parts[3] == "repos":
            return (200, self.hub[parts[2]], {}, json_type) if parts[2] in self.hub else \
                (404, json.dumps({"error": "Paper not found"}), {}, json_type)
        return None
