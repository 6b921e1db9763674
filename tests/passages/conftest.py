"""The passage tests' fixtures: the app and two browsers on it (tests/fixtures/web.py)."""

from tests.fixtures.web import app, client, other  # noqa: F401 - fixtures
