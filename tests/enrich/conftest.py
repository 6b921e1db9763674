from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from paperboy import config
from paperboy.demo import data_dir
from tests.enrich.code_standin import CodeStandIn
from tests.enrich.standin import ArxivStandIn
from tests.helpers import shared

DELAY = 0.05  # seconds between requests in tests (arXiv asks for 3)


@pytest.fixture
def arxiv() -> Iterator[ArxivStandIn]:
    server = ArxivStandIn(shared("arxiv-api-recorded").parent, data_dir()).start()
    yield server
    server.stop()


@pytest.fixture
def cfg(arxiv: ArxivStandIn) -> config.Config:
    fetch = dataclasses.replace(config.load().fetch, arxiv_url=f"{arxiv.url}/api/query", arxiv_delay=DELAY,
                                timeout=1.0, retries=1,
                                # the arXiv sources: tests of code and stars (test_code.py) choose theirs
                                enrich_sources=("arxiv", "arxiv-title"))
    return dataclasses.replace(config.load(), fetch=fetch)


def enrich_env(arxiv: ArxivStandIn, db_url: str, **extra: str) -> dict[str, str]:
    """Environment for running `paperboy enrich` as a process against the stand-in."""
    return {"DATABASE_URL": db_url, "PAPERBOY_ARXIV_URL": f"{arxiv.url}/api/query",
            "PAPERBOY_ARXIV_DELAY": str(DELAY), "PAPERBOY_FETCH_TIMEOUT": "1",
            "PAPERBOY_FETCH_RETRIES": "1", "PAPERBOY_ENRICH_SOURCES": "arxiv arxiv-title", **extra}


@pytest.fixture
def hubs() -> Iterator[CodeStandIn]:
    server = CodeStandIn(shared("github-api-recorded").parent, data_dir()).start()
    yield server
    server.stop()


@pytest.fixture
def ccfg(hubs: CodeStandIn) -> config.Config:
    fetch = dataclasses.replace(config.load().fetch, arxiv_url=f"{hubs.url}/api/query", hf_url=hubs.url,
                                github_url=hubs.url, github_token="sekrit-token-123", arxiv_delay=DELAY,
                                hf_delay=DELAY, github_delay=DELAY, timeout=1.0, retries=1, enrich_sources=())
    return dataclasses.replace(config.load(), fetch=fetch)
