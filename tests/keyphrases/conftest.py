"""The keyphrase tests' web fixtures: the app and its client (tests/fixtures/web.py)."""

from __future__ import annotations

from tests.fixtures.web import app, client  # noqa: F401 - fixtures
