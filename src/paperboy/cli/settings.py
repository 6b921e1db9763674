"""`paperboy config`: the effective settings and where each came from, secrets masked."""

from __future__ import annotations

import json
import os
import stat
from typing import Annotated

import typer

from paperboy import config
from paperboy.cli.console import err, out


def show(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: a list of {name, value, "
                                          "source} (secrets masked the same way).")] = False,
) -> None:
    """Print every setting's effective value and where it came from: the environment, the
    TOML file PAPERBOY_CONFIG names, or the default. Passwords and keys are masked. A value
    paperboy cannot use is an error naming the setting, as it would be for any command."""
    _, values = config.load_with_sources()
    rows = values.report()
    if as_json:
        out.print_json(json.dumps([{"name": r.name, "value": r.shown if r.value is not None else None,
                                    "source": r.origin} for r in rows]))
        return
    width = max(len(r.name) + len(r.shown) for r in rows) + 3
    for r in rows:  # NAME=value, as in an environment file; greppable, never cut short
        line = f"{r.name}={r.shown}"
        out.print(f"{line:<{width}} # {r.origin}", style="dim" if r.origin == "default" else None,
                  highlight=False, markup=False, soft_wrap=True)
    if values.path is not None:
        _warn_if_readable(values)


def _warn_if_readable(values: config.Values) -> None:
    """A settings file holding a secret should be readable by its owner alone."""
    path = values.path
    assert path is not None
    secrets = [n for n in values.file if n in config.SECRETS]
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if secrets and mode & (stat.S_IRGRP | stat.S_IROTH):
        err.print(f"[yellow]note:[/] {path} holds {', '.join(secrets)} and other users can read it "
                  f"(chmod 600 {path})", highlight=False, soft_wrap=True)
