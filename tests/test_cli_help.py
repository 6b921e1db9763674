"""`paperboy --help` rewraps each description to the terminal: a docstring's lines (wrapped at
100 columns in the source) never show up as breaks in the middle of a sentence (issue: a real
user's first hour, item 10)."""

from __future__ import annotations

import inspect

import typer.main
from typer.testing import CliRunner

from paperboy.cli import app


def _commands() -> list[tuple[list[str], str]]:
    """(the words that name it, its description's first paragraph) of every command."""
    out = []
    group = typer.main.get_group(app)

    def walk(cmd, path: list[str]) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])
        if path and not getattr(cmd, "commands", None):
            # (Markdown: `code` shows without its backticks)
            first = " ".join(inspect.cleandoc(cmd.help or "").split("\n\n")[0].replace("`", "").split())
            out.append((path, first))

    walk(group, [])
    return out


def test_every_description_is_one_line_on_a_wide_terminal():
    commands = _commands()
    assert len(commands) > 20
    runner = CliRunner()  # in this process: the same Typer and rich output, without 40 interpreters
    for path, first in commands:
        done = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "400"}, prog_name="paperboy")
        assert done.exit_code == 0, (path, done.output)
        lines = [" ".join(line.split()) for line in done.stdout.splitlines()]
        assert any(first in line for line in lines), (path, first, done.stdout[:800])
