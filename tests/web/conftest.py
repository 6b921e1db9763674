"""The web tests' fixtures: the app (tests/fixtures/web.py) and the hub of real HF daily lists,
cloned per test from a template filled once per session (tests/fixtures/hub.py)."""

from __future__ import annotations

from tests.fixtures.hub import db_url, hub, hub_template  # noqa: F401 - fixtures
from tests.fixtures.web import app, client  # noqa: F401 - fixtures
