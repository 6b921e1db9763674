"""What tests share: paths, the shared data folder, running the real command, a free port,
importing files like the CLI, screenshots. Fixtures live in the conftest.py files (those
more than one folder uses in tests/fixtures/); plain helpers live here, so no test imports
another test module."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import TypeVar

import anyio
import psutil
import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from paperboy.demo import corpus_files
from paperboy.papers.importer import parse_file, store_result
from tests import forkcli

T = TypeVar("T")

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
    """Run the real ``paperboy`` command in a process of its own with ``env`` added: forked
    from one that has imported it already (tests/forkcli.py), else started afresh."""
    full_env = {**os.environ, "COLUMNS": "200", **env}
    full_env.pop("DATABASE_URL", None) if "DATABASE_URL" not in env else None
    if set(kw) <= {"cwd"}:
        done = forkcli.run(paperboy_cmd(), args, full_env, timeout, cwd=kw.get("cwd"))
        if done is not None:
            return done
    return subprocess.run(
        [*paperboy_cmd(), *args], env=full_env, capture_output=True, text=True, timeout=timeout, **kw
    )


@contextmanager
def database(server_url: str, prefix: str = "t_", template: str = "pb_template") -> Iterator[str]:
    """A fresh database on the session's server, cloned from ``template`` (the migrated
    schema unless a filled template is named), dropped afterwards; yields its URL."""
    name = prefix + uuid.uuid4().hex[:12]
    # FILE_COPY copies the template's files as they are: on tmpfs (tests/conftest.py) 27 ms a
    # clone where WAL_LOG, the default, writes every page through the WAL too (31 ms, more CPU).
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    try:
        yield make_conninfo(server_url, dbname=name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def own_folder(parent: Path, prefix: str) -> Path:
    """A new folder PARENT/PREFIX<our pid>-…, removed when this process exits (atexit: register
    it before what must be stopped first). Folders of PREFIX whose process is gone (a killed
    run) are removed first."""
    for old in parent.glob(prefix + "*"):
        pid = old.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


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


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag, self.attrs, self.parts = tag, attrs, []

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


class Page(HTMLParser):
    """A page as an HTML parser reads it (tests check HTML through this, never with regexes).

    >>> Page('<h1 class="x y">Hi <b>there</b></h1>').find("h1", class_="y").text
    'Hi there'
    """

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.parts.append(data)

    def find_all(self, tag: str, class_: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.elements if e.tag == tag
                and (class_ is None or class_ in (e.attrs.get("class") or "").split())
                and all(e.attrs.get(k) == v for k, v in attrs.items())]

    def find(self, tag: str, class_: str | None = None, **attrs: str) -> Element | None:
        found = self.find_all(tag, class_, **attrs)
        return found[0] if found else None


def import_demo(conn: psycopg.Connection) -> None:
    """The corpus `paperboy demo` ships (four weeks of HF daily lists, three saved listing
    pages whose papers have no arXiv id), imported like the CLI does."""
    for path, ref in corpus_files():
        fmt, result = parse_file(path, "auto", ref)
        store_result(conn, str(path), fmt, result)
    conn.commit()


def run_async(fn: Callable[[], Awaitable[T]]) -> T:
    """``anyio.run(fn)`` on a thread of its own. The main thread of a test worker may hold a
    running event loop that is not the test's: Playwright's sync API (the session's browser of
    tests/e2e) keeps one there for the rest of the session, and anyio.run refuses to start a
    second loop in a thread that has one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(anyio.run, fn).result()
