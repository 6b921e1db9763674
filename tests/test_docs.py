"""The README documents every setting and every command (a test fails when one is missing)."""

from __future__ import annotations

from paperboy import config
from paperboy.cli import app
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_readme():
    for name in config.SETTINGS:
        assert f"`{name}`" in README, f"{name} is not documented in README.md"


def test_every_command_is_in_the_readme():
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert {"import", "serve", "demo", "status", "migrate"} <= set(names)
    for name in names:
        assert f"paperboy {name}" in README, f"`paperboy {name}` is not documented in README.md"


def test_the_two_commands_are_in_the_readme_and_ci():
    assert "make demo" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()
