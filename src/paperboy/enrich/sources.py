"""The enrichment sources, each a :class:`Source`: which papers it completes, how it asks its
service, how it stores the answer. A new source (GitHub stars, the Hub's linked repos) is one
more module and one more entry in SOURCES; the job, its state, retries, leases, `paperboy
enrich`, status and /healthz take it as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from paperboy.config import Config
from paperboy.enrich import arxiv_meta, arxiv_titles, github, hub_links
from paperboy.fetch.client import PoliteClient
from paperboy.fulltext import source as fulltext

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Source:
    name: str  # its rows in enrich_state, its line in status and /healthz
    label: str  # for people
    service: str  # the remote service: one lease and one polite client per service
    batch: int  # papers per request (or per committed batch)
    applies: str  # SQL condition on papers p: papers this source can say something about
    wanted: str  # SQL condition on papers p: of those, the ones missing what it gives
    client: Callable[..., PoliteClient]  # (cfg, **client options) -> the service's polite client
    # (client, cfg, rows) -> the answer; network only, raises FetchError for the whole batch
    fetch: Callable[[PoliteClient, Config, list[dict[str, Any]]], Any]
    # (conn, rows, answer) -> {paper id: note when done, None when the answer missed it};
    # runs inside the transaction that records the state
    apply: Callable[[psycopg.Connection, list[dict[str, Any]], Any], dict[str, str | None]]
    missing_error: str = "the answer did not cover this paper"
    # (cfg) -> a further SQL condition on papers p from the settings (PAPERBOY_FULLTEXT's scope)
    scope: Callable[[Config], str] | None = None
    # SQL condition on papers p: a paper done (or given up) before that is to be asked again
    stale: str | None = None
    # A source whose answers age (stars): its apply sets each done paper's next look
    # (state.look_again) and discover queues the paper again once that time has come.
    refresh: bool = False
    # The most papers of this source one background round asks about (serve's rounds only,
    # not `paperboy enrich`): a slow service must not hold the fetch thread for hours.
    per_round: Callable[[Config], int] | None = None


def _arxiv_client(cfg: Config, **kw: Any) -> PoliteClient:
    from paperboy.fetch import arxiv_client  # the fetch package imports the stores; import late
    return arxiv_client(cfg, **kw)


def _html_client(cfg: Config, **kw: Any) -> PoliteClient:
    f = cfg.fetch
    return PoliteClient("arXiv HTML", f.arxiv_delay, f.timeout, f.retries, **kw)


SOURCES: tuple[Source, ...] = (
    Source(
        name="arxiv", label="arXiv metadata by id", service="arxiv", batch=arxiv_meta.BATCH,
        applies="p.arxiv_id IS NOT NULL", wanted=arxiv_meta.WANTED, client=_arxiv_client,
        fetch=arxiv_meta.fetch, apply=arxiv_meta.apply,
        missing_error="arXiv's answer had no entry for this id"),
    Source(
        name="arxiv-title", label="arXiv match by title (papers without an id)", service="arxiv",
        batch=1, applies="p.arxiv_id IS NULL", wanted="NOT p.hidden", client=_arxiv_client,
        fetch=arxiv_titles.fetch, apply=arxiv_titles.apply),
    Source(
        name=fulltext.NAME, label="full text from arXiv's HTML", service=fulltext.SERVICE, batch=1,
        applies="p.arxiv_id IS NOT NULL", wanted="NOT p.hidden", client=_html_client,
        fetch=fulltext.fetch, apply=fulltext.apply, scope=fulltext.scope, stale=fulltext.STALE,
        missing_error="no answer for this paper"),
    Source(
        name=github.NAME, label="GitHub stars of the paper's code", service="github", batch=1,
        applies=github.APPLIES, wanted="NOT p.hidden", client=github.client, fetch=github.fetch,
        apply=github.apply, refresh=True, per_round=github.per_round),
    Source(
        name=hub_links.NAME, label="models, datasets and Spaces on the Hub", service="hf", batch=1,
        applies="p.arxiv_id IS NOT NULL", wanted="NOT p.hidden", client=hub_links.client,
        fetch=hub_links.fetch, apply=hub_links.apply, refresh=True),
)
