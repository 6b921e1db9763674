"""Models, datasets and Spaces built on a paper, from the Hugging Face Hub: the enrichment
source ``hub``.

``GET {PAPERBOY_HF_URL}/api/arxiv/{arxiv id}/repos`` answers ``{"models": [...], "datasets":
[...], "spaces": [...]}``, each item a repository object as the Hub's listings give it (``id``,
``author``, ``likes``, ``downloads``, ``lastModified``, ``pipeline_tag``…). The paper keeps
the counts and the TOP most liked of each, in ``extra.hub_links``:
``{"linkedModels": [...], "numTotalModels": n, "linkedDatasets": ..., "linkedSpaces": ...}``,
the shapes and names of the Hub's own ``/api/papers/{id}`` (what huggingface_hub's
``PaperInfo`` reads). A paper the Hub does not know (404) has none. Looked at again weekly
while the paper is at most RECENT_DAYS old, monthly after (a hub of 300,000 papers would
otherwise ask the Hub half a million times a month).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import psycopg
from psycopg.types.json import Jsonb

from paperboy.config import Config
from paperboy.db import locks
from paperboy.enrich import state
from paperboy.fetch.client import NotFound, PoliteClient, Retry

NAME = "hub"
TOP = 5
RECENT_DAYS = 30
AGAIN_RECENT, AGAIN = timedelta(days=7), timedelta(days=30)  # weekly for a month, monthly after
KINDS = (("models", "Models"), ("datasets", "Datasets"), ("spaces", "Spaces"))
# What is kept of each repository: the fields the Hub's paper page and PaperInfo use.
KEEP = ("id", "author", "likes", "downloads", "lastModified", "pipeline_tag", "private", "gated", "sdk")


def client(cfg: Config, **kw: Any) -> PoliteClient:
    from paperboy.fetch import hf_client  # the fetch package imports the stores; import late
    return hf_client(cfg, **kw)


def _item(x: Any) -> dict[str, Any] | None:
    if not isinstance(x, dict) or not isinstance(x.get("id"), str) or not x["id"] or len(x["id"]) > 200:
        return None
    out = {k: x[k] for k in KEEP if k in x and isinstance(x[k], str | int | bool) and not isinstance(x[k], dict)}
    for k in ("likes", "downloads"):
        if k in out and (not isinstance(out[k], int) or isinstance(out[k], bool) or out[k] < 0):
            del out[k]
    return out


def links_of(body: Any) -> dict[str, Any]:
    """The ``hub_links`` of an answer; ValueError when it is not the Hub's shape.

    >>> links_of({"models": [{"id": "a/m", "likes": 3}, {"id": "b/m", "likes": 9}], "datasets": [], "spaces": []})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'linkedModels': [{'id': 'b/m', 'likes': 9}, {'id': 'a/m', 'likes': 3}], 'numTotalModels': 2,
     'linkedDatasets': [], 'numTotalDatasets': 0, 'linkedSpaces': [], 'numTotalSpaces': 0}
    """
    if not isinstance(body, dict) or not any(isinstance(body.get(k), list) for k, _ in KINDS):
        raise ValueError("not the Hub's {models, datasets, spaces}")
    out: dict[str, Any] = {}
    for key, label in KINDS:
        items = [i for i in map(_item, body.get(key) or []) if i is not None]
        items.sort(key=lambda i: (-(i.get("likes") or 0), -(i.get("downloads") or 0), i["id"]))
        out[f"linked{label}"] = items[:TOP]
        out[f"numTotal{label}"] = len(items)
    return out


def _check(response: httpx.Response) -> dict[str, Any]:
    try:
        return links_of(response.json())
    except ValueError as e:
        raise Retry(f"the Hub's answer is not its repos list ({e})") from None


def fetch(http: PoliteClient, cfg: Config, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """{paper id: hub_links}; a paper the Hub does not know gets empty lists."""
    out: dict[str, Any] = {}
    for row in rows:
        try:
            out[row["id"]] = http.get(f"{cfg.fetch.hf_url}/api/arxiv/{row['arxiv_id']}/repos", check=_check,
                                      what=f"repos of {row['arxiv_id']}")
        except NotFound:
            out[row["id"]] = links_of({key: [] for key, _ in KINDS})
    return out


def apply(conn: psycopg.Connection, rows: list[dict[str, Any]], answer: dict[str, Any]) -> dict[str, str | None]:
    locks.xact_lock(conn, locks.STORE_WRITE)
    notes: dict[str, str | None] = {}
    for row in rows:
        links = answer.get(row["id"])
        if links is None:
            notes[row["id"]] = None
            continue
        conn.execute("UPDATE papers SET extra = extra || jsonb_build_object('hub_links', %s::jsonb),"
                     " modified = now() WHERE id = %s", (Jsonb(links), row["id"]))
        notes[row["id"]] = ", ".join(f"{links[f'numTotal{label}']} {key}" for key, label in KINDS)
        day = row.get("published_at") or row.get("listed_on")
        recent = day is not None and day >= date.today() - timedelta(days=RECENT_DAYS)
        state.look_again(conn, NAME, row["id"], AGAIN_RECENT if recent else AGAIN)
    return notes
