from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from paperboy.web.app import create_app
from tests.web.conftest import hub  # noqa: F401 - two weeks of real HF daily lists


@pytest.fixture
def app(db, tmp_path):
    """The app without response cache or per-client rate limit, its keyword index in
    ``tmp_path`` (tests change data between requests and send many)."""
    return create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path)


@pytest.fixture
def client(app):
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def other(app):
    """A second browser on the same app."""
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def picks(hub) -> list[dict]:  # noqa: F811 - the fixture imported above
    """Five papers of the latest listed day, most upvoted first: ``id`` and ``title``."""
    return hub.execute(
        "SELECT p.id, p.title FROM papers p JOIN listings l ON l.paper_id = p.id"
        " WHERE l.day = (SELECT max(day) FROM listings) ORDER BY p.upvotes DESC, p.id LIMIT 5").fetchall()
