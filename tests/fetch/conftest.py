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


def assert_spaced(seen, delay: float = DELAY, lag: float = 0.17) -> None:
    """The requests were spaced by the pause. Arrival times, read by the replay server, can lag
    a request's start on a busy machine (CI saw 0.14 s, and a lagged arrival followed by an
    on-time one made a gap of 0.05 s for a pause of 0.2 s), but never lead it. So every span of
    k gaps is at least k pauses less one lag, and a pause missing anywhere (a gap of a few
    milliseconds) breaks that for the whole run."""
    got = gaps(seen)
    assert sum(got) >= len(got) * delay - lag, got
    assert all(g >= delay - lag for g in got), got
