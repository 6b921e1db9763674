from __future__ import annotations

import dataclasses

import pytest

from paperboy import config
from tests.fetch.replay import Replay
from tests.fixtures.fetch import replay  # noqa: F401 - the local arXiv and HF, for tests here and elsewhere

DELAY = 0.2  # seconds between requests in tests (arXiv asks for 3)
FAST = 0.02  # where the spacing is not what a test checks


@pytest.fixture
def cfg(replay: Replay) -> config.Config:  # noqa: F811 - the fixture imported above
    """Settings pointing both sources at the replay server, with short pauses and timeouts."""
    fetch = config.FetchSettings(
        categories=("cs.CL",), every=3600.0, arxiv_url=f"{replay.url}/api/query", hf_url=replay.url,
        arxiv_delay=DELAY, hf_delay=DELAY, timeout=1.0, retries=3)
    return dataclasses.replace(config.load(), fetch=fetch)


def fetch_env(replay: Replay, db_url: str, **extra: str) -> dict[str, str]:  # noqa: F811 - a Replay
    """Environment for running `paperboy fetch …` as a process against the replay server."""
    return {"DATABASE_URL": db_url, "PAPERBOY_ARXIV_URL": f"{replay.url}/api/query",
            "PAPERBOY_HF_URL": replay.url, "PAPERBOY_ARXIV_DELAY": str(DELAY),
            "PAPERBOY_HF_DELAY": str(DELAY), "PAPERBOY_FETCH_TIMEOUT": "1",
            "PAPERBOY_FETCH_RETRIES": "3", **extra}


def gaps(seen) -> list[float]:
    """Seconds between the arrivals of consecutive requests."""
    return [b.t - a.t for a, b in zip(seen, seen[1:], strict=False)]


def assert_spaced(seen, delay: float = DELAY) -> None:
    """The requests were spaced by the pause. Arrival times, read by the replay server: on a
    busy machine one arrival can lag its start by tens of milliseconds (CI once saw 0.14 s
    for 0.2 s), while a missing pause gives gaps of a few milliseconds; half the delay tells
    the two apart without flaking."""
    assert min(gaps(seen)) >= delay * 0.5, gaps(seen)
