"""The community tests' fixtures: the app and two browsers on it (tests/fixtures/web.py), and
the hub of real HF daily lists (tests/fixtures/hub.py)."""

from __future__ import annotations

from tests.fixtures.hub import db_url, hub, hub_template  # noqa: F401 - fixtures
from tests.fixtures.web import app, client, other  # noqa: F401 - fixtures
