"""Password sign-in under a burst, against a real `paperboy serve` (issue 21, item 13): 30
simultaneous wrong passwords for one address were 28 checked against a limit of 10, and a
burst cost the worker about 600 MB (argon2, 64 MB a check, in parallel), unauthenticated.

Attempts are now counted before any hashing, atomically, and a process hashes at most
passwords.HASHING_AT_ONCE passwords at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from paperboy.community import passwords
from tests.community.people import add, form_token
from tests.e2e.conftest import serve
from tests.fixtures import http

BURST = 30


@pytest.fixture
def server(db_url: str, conn, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """(base URL, process id) of `paperboy serve` (one process: the worker is the process)."""
    ada = add(conn, "ada@example.org")
    passwords.set_password(conn, ada.id, "correct horse battery")
    conn.commit()
    proc, base = serve(db_url, tmp_path / "home", PAPERBOY_CACHE_SECONDS="0")
    yield base, proc.pid
    proc.terminate()
    proc.wait(timeout=10)


def _peak_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _burst(base: str, attempts: list[tuple[str, str]]) -> list[httpx.Response]:
    """Send every (client address, email) attempt with a wrong password at the same moment.
    uvicorn believes X-Forwarded-For from 127.0.0.1 (PAPERBOY_FORWARDED_ALLOW_IPS), as it
    would from a reverse proxy: each attempt comes from the client it names."""
    token = form_token(http.get(base + "/signin").text)
    start = threading.Barrier(len(attempts))

    def attempt(who: tuple[str, str]) -> httpx.Response:
        client, email = who
        with http.Client(base_url=base, timeout=120) as web:
            start.wait()
            return web.post("/signin", data={"email": email, "password": "wrong wrong wrong", "csrf": token},
                             headers={"origin": base, "x-forwarded-for": client})

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(attempt, attempts))


def test_a_burst_of_wrong_passwords_checks_no_more_than_the_limit(server, conn):
    base, _ = server
    answers = _burst(base, [("203.0.113.7", "ada@example.org")] * BURST)
    statuses = sorted(r.status_code for r in answers)
    checked = [s for s in statuses if s != 429]
    print(f"checked {len(checked)} of {BURST}")
    assert set(statuses) <= {400, 429}, statuses
    assert len(checked) == passwords.FAILURES_PER_ADDRESS, f"{len(checked)} of {BURST} were checked: {statuses}"
    limited = next(r for r in answers if r.status_code == 429)
    assert limited.headers["retry-after"] == "3600" and "Too many password attempts" in limited.text
    # every attempt was counted, the refused ones too
    n = conn.execute("SELECT n FROM signin_attempts WHERE key = 'address 203.0.113.7 ada@example.org'"
                     ).fetchone()["n"]
    assert n == BURST


def test_a_burst_from_many_clients_hashes_a_few_at_a_time(server):
    """30 strangers (each within its own limits) at once: only HASHING_AT_ONCE argon2 checks
    of 64 MB run together, so the worker grows by a bounded amount, not 30 × 64 MB."""
    base, pid = server
    # warm up: the first check makes the dummy hash and argon2's first allocation
    assert _burst(base, [("198.51.100.1", "warm@example.org")])[0].status_code == 400
    before = _peak_mb(pid)
    answers = _burst(base, [(f"198.51.100.{i + 10}", f"someone{i}@example.org") for i in range(BURST)])
    grew = _peak_mb(pid) - before
    print(f"peak grew {grew:.0f} MB; statuses {sorted(r.status_code for r in answers)}")
    statuses = [r.status_code for r in answers]
    assert set(statuses) <= {400, 503}, statuses  # checked, or told to retry in a moment
    assert statuses.count(400) >= BURST // 2, statuses
    assert grew < 300, f"the worker grew by {grew:.0f} MB during a burst of {BURST} wrong passwords"
