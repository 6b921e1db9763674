"""What tests share: paths, the shared data folder, running the real command, a free port,
importing files like the CLI, screenshots. Fixtures live in the conftest.py files; plain
helpers live here, so no test imports another test module."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import psycopg
import pytest

from paperboy.papers.importer import parse_file, store_result

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SCREENSHOTS = Path(__file__).parent / "e2e" / "screenshots"


def shared(*parts: str) -> Path:
    """A file of the shared data folder; skip the test (saying which) when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data file {path} is not present on this machine")
    return path


def paperboy_cmd() -> list[str]:
    return [sys.executable, "-m", "paperboy"]


def run_cli(args: list[str], env: dict[str, str], timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run the real ``paperboy`` command in a subprocess with ``env`` added."""
    full_env = {**os.environ, "COLUMNS": "200", **env}
    full_env.pop("DATABASE_URL", None) if "DATABASE_URL" not in env else None
    return subprocess.run(
        [*paperboy_cmd(), *args], env=full_env, capture_output=True, text=True, timeout=timeout, **kw
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def import_files(conn: psycopg.Connection, paths: list[Path], ref: date | None = None):
    """Import like the CLI does; return the reports."""
    reports = []
    for p in paths:
        fmt, result = parse_file(p, "auto", ref)
        reports.append(store_result(conn, str(p), fmt, result))
    return reports


def screenshot(page, name: str) -> Path:
    """Save what a Playwright page shows to tests/e2e/screenshots/NAME.png (git-ignored)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
