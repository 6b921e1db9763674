from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from paperboy.web.app import create_app
from tests.web.conftest import hub  # noqa: F401 - two weeks of real HF daily lists


@pytest.fixture
def app(db):
    """The app without response cache or per-client rate limit (tests change data between
    requests and send many)."""
    return create_app(db, cache_seconds=0, rate_limit=0)


@pytest.fixture
def client(app):
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def other(app):
    """A second browser on the same app."""
    return TestClient(app, raise_server_exceptions=False)
