from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fulltext.htmlserver import HtmlServer, html_server


@pytest.fixture
def html() -> Iterator[HtmlServer]:
    with html_server() as s:
        yield s


def fulltext_env(html: HtmlServer, db_url: str, home, **extra: str) -> dict[str, str]:
    """Environment for `paperboy fulltext` as a process against the stand-in."""
    return {"DATABASE_URL": db_url, "PAPERBOY_HOME": str(home), "PAPERBOY_ARXIV_HTML_URL": html.url,
            "PAPERBOY_FULLTEXT": "library", "PAPERBOY_ARXIV_DELAY": "0.02", "PAPERBOY_FETCH_TIMEOUT": "2",
            "PAPERBOY_FETCH_RETRIES": "1", **extra}
