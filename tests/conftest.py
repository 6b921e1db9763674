"""Shared fixtures: one real PostgreSQL (embedded) per test session, a fresh database per test.

Each test gets its own database cloned from a migrated template, so tests never see each
other's papers and need no cleanup beyond dropping it.
"""

from __future__ import annotations

import gc
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings
from psycopg.conninfo import make_conninfo

from paperboy.db import Database, embedded, migrate
from tests.fixtures import portal
from tests.helpers import database, own_folder

# No test may reach the internet: the fetch schedule of `serve` is off unless a test
# points it at its local replay server.
os.environ["PAPERBOY_FETCH_EVERY"] = "off"
os.environ["PAPERBOY_ENRICH_EVERY"] = "off"  # serve must not ask arXiv in tests (tests/enrich turn it on)
os.environ["PAPERBOY_TOPICS_EVERY"] = "off"  # no topic build in every serve of the suite (tests/topics build theirs)
os.environ["PAPERBOY_FULLTEXT"] = "off"  # nor arxiv.org/html, whoever enriches (tests/fulltext turn it on)
# Test clients (Starlette's TestClient) send Host "testserver": make it this instance's address,
# so the default trusted hosts admit it and absolute links start there, whatever the shell says.
os.environ["PAPERBOY_BASE_URL"] = "http://testserver"
os.environ.pop("PAPERBOY_TRUSTED_HOSTS", None)
os.environ.pop("PAPERBOY_CONFIG", None)  # a settings file of the shell's must not leak in
# The suite drives its own HF-shaped API with huggingface_hub's client, which reads
# HF_HUB_OFFLINE once, when imported: exported by the shell, it would turn that client off for
# the whole run. (The model needs no such setting: paperboy sets it for itself, offline always.)
for _name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
    os.environ.pop(_name, None)
# `serve` subprocesses log a line per request at info; tests that read their output through a
# pipe nobody drains would fill it and stall the server. Tests that want the log ask for it.
os.environ["PAPERBOY_LOG_LEVEL"] = "warning"
# Each embedded server of the suite (one per xdist worker, plus tests' own homes) would size
# shared_buffers at 25% of this machine's memory: keep PostgreSQL's default for the suite.
os.environ["PAPERBOY_DB_SHARED_BUFFERS"] = "128MB"

# Hypothesis in the normal run (`make test`, a plain pytest) is derandomised: each test draws
# the same inputs on every run, from a seed derived from the test itself (printed with a
# failure, below), so a failure comes back when the test is run again and a green run stays
# green. `make fuzz` (--hypothesis-profile=fuzz) explores at random, a new seed each run.
settings.register_profile("test", derandomize=True, database=None, print_blob=True)
settings.register_profile("fuzz", derandomize=False, print_blob=True)
settings.load_profile("test")  # the plugin loads --hypothesis-profile's after this


def _hypothesis_seed(item: pytest.Item) -> int | None:
    """The seed hypothesis draws a derandomised test's inputs from (a digest of the test)."""
    inner = getattr(getattr(getattr(item, "obj", None), "hypothesis", None), "inner_test", None)
    if inner is None or not settings.default.derandomize:
        return None
    from hypothesis.internal.compat import int_from_bytes
    from hypothesis.internal.reflection import function_digest

    return int_from_bytes(function_digest(inner))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # noqa: ARG001 - pytest's names
    report = (yield).get_result()
    if report.when == "call" and report.failed and (seed := _hypothesis_seed(item)) is not None:
        report.sections.append(("hypothesis seed", (
            f"derandomised run: this test draws its inputs from seed {seed} on every run. Run it "
            f"again to see the failure again, or add @seed({seed}) to keep those inputs under "
            "`make fuzz`, which draws new ones each run.")))


# The longest files first. `make test` hands whole files to its workers (--dist loadfile) in
# collection order (--no-loadscope-reorder); xdist's own order (most tests first) started these
# few-but-long files last, so one worker ran on alone for minutes after the other had finished.
# Longest first, the many short files then fill in behind them on whichever worker is free.
# (In the order of their seconds in a whole run, those of 18 s and more, measured at 6fe032b
# with two workers; a file not listed runs after these, in the usual order. Within a file the order is
# unchanged, and no test depends on another file's.)
LONGEST_FILES = [
    "tests/search/test_encoder.py",            # 93 s: ONNX exports and the PyTorch reference vectors
    "tests/e2e/test_accessibility.py",         # 72: axe-core over every page, four roles, four looks
    "tests/ops/test_two_nodes.py",             # 53: two serve processes, direct and through PgBouncer
    "tests/api_schema/test_openapi.py",        # 51: schemathesis over every operation, three roles
    "tests/fetch/test_arxiv_fetch.py",         # 42
    "tests/topics/test_web.py",                # 29+: a topic build, then pages, feed and CLI
    "tests/papers/test_hostile_import.py",     # 37: a real `paperboy import` per hostile file
    "tests/test_cli_import.py",                # 36
    "tests/ops/test_external_server.py",       # 32
    "tests/fetch/test_hf_fetch.py",            # 31
    "tests/community/test_votes_concurrent.py",  # 28
    "tests/keyphrases/test_job.py",            # 27
    "tests/search/test_jobs.py",               # 24+: the embed job killed and resumed
    "tests/topics/test_build.py",              # 22+
    "tests/security/test_injection.py",        # 23: every parameter of every route
    "tests/ops/test_pooler.py",                # 22
    "tests/e2e/test_topics_map.py",            # 21
    "tests/ops/test_kill_resume.py",           # 20
    "tests/ops/test_backup_restore.py",        # 19
    "tests/db/test_concurrent_migrations.py",  # 19
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable


def pytest_collection_finish(session: pytest.Session) -> None:  # noqa: ARG001 - pytest's name
    """What collection imported (paperboy, FastAPI, ONNX Runtime, the test modules: some 190,000
    objects) is never freed, yet each of Python's full collections walked it again: about
    150 ms each. Frozen, the collections walk only what the tests make (gc time in tests/web,
    tests/community, tests/keyphrases and a search file: 3.0-3.6 s -> 2.2 s)."""
    gc.freeze()


portal.install()  # one event loop per test client, not one per request (tests/fixtures/portal.py)


@pytest.fixture(autouse=True)
def _close_portals() -> Iterator[None]:
    yield
    portal.close_portals()


SHM = Path("/dev/shm")
SHM_PREFIX = "paperboy-test-pg-"


def _in_memory_home() -> Path | None:
    """A folder on tmpfs for the session's server, or None when the machine has no room there.

    Each test clones its database and drops it afterwards: some 470 files created and unlinked
    each time. On this machine's ext4 that took 130 ms of kernel time a test (90 ms to clone,
    37 ms to drop), on tmpfs 45 ms; the server holds throwaway databases only (fsync is off
    anyway). Folders of earlier sessions whose process is gone (a killed run) are removed."""
    if not (SHM.is_dir() and os.access(SHM, os.W_OK)) or shutil.disk_usage(SHM).free < 4 * 2**30:
        return None
    # Made before the server starts, so its removal runs after the server's own exit handler
    # has stopped it (atexit runs last-registered first).
    return own_folder(SHM, SHM_PREFIX)


@pytest.fixture(scope="session")
def pg_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _in_memory_home() or tmp_path_factory.mktemp("paperboy-home")


@pytest.fixture(scope="session")
def pg_server(pg_home: Path) -> str:
    """URL of the session's embedded server (its default database)."""
    url = embedded.start(pg_home)
    template = make_conninfo(url, dbname="pb_template")
    with psycopg.connect(url, autocommit=True) as conn:
        # This server holds throwaway databases only: nothing on it need survive a crash of
        # the machine, so it never waits for the disk (as tests/ops/pgserver.py's server).
        # Measured here: a commit 8 ms -> 0.7 ms. (A test's database: see _in_memory_home.)
        for name in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {name} = off")
        conn.execute("SELECT pg_reload_conf()")
        conn.execute("DROP DATABASE IF EXISTS pb_template")
        conn.execute("CREATE DATABASE pb_template")
    migrate.migrate(template)
    return url


@pytest.fixture
def db_url(pg_server: str) -> Iterator[str]:
    with database(pg_server) as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url, max_size=4).open()
    yield database
    database.close()


@pytest.fixture
def conn(db: Database) -> Iterator[psycopg.Connection]:
    with db.connection() as c:
        yield c
