"""The collections tests' fixtures: the app and two browsers on it (tests/fixtures/web.py), the
hub of real HF daily lists (tests/fixtures/hub.py), and five papers of it."""

from __future__ import annotations

import pytest

from tests.fixtures.hub import db_url, hub, hub_template  # noqa: F401 - fixtures
from tests.fixtures.web import app, client, other  # noqa: F401 - fixtures


@pytest.fixture
def picks(hub) -> list[dict]:  # noqa: F811 - the fixture imported above
    """Five papers of the latest listed day, most upvoted first: ``id`` and ``title``."""
    return hub.execute(
        "SELECT p.id, p.title FROM papers p JOIN listings l ON l.paper_id = p.id"
        " WHERE l.day = (SELECT max(day) FROM listings) ORDER BY p.upvotes DESC, p.id LIMIT 5").fetchall()
