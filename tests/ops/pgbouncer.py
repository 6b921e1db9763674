"""PgBouncer in front of the test PostgreSQL server (pgserver.py), in transaction mode: what
most managed PostgreSQL offers (Supavisor, RDS Proxy, a provider's PgBouncer).

Debian's ``pgbouncer`` (``make test`` installs it; the tests skip without it) is started on
127.0.0.1 and a free port, in the foreground, with ``pool_mode = transaction``: each
transaction may run on another server connection. Clients log in with the application role's
password (scram-sha-256, checked against the auth file), and PgBouncer logs in to the server
with the same password. Any database name is passed on to the server (``* =``).

PgBouncer refuses to run as root; as root it runs as the system user the PostgreSQL servers
run as (pgserver.py), which then owns its folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.helpers import free_port
from tests.ops.pgserver import APP_PASSWORD, APP_ROLE, PgServer, _reachable, _runs_as, server_folder

PROGRAM = "/usr/sbin/pgbouncer"
LEASE_SECONDS = "3"  # a killed holder's lease is taken over within seconds in the tests


class PgBouncer:
    """One PgBouncer on 127.0.0.1:port in front of ``server``."""

    def __init__(self, root: Path, server: PgServer, mode: str = "transaction") -> None:
        self.root, self.server, self.mode = root, server, mode
        self.user = _runs_as()
        self.port = 0
        self.process: subprocess.Popen | None = None

    def _config(self) -> Path:
        (self.root / "userlist.txt").write_text(f'"{APP_ROLE}" "{APP_PASSWORD}"\n')
        ini = self.root / "pgbouncer.ini"
        ini.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={self.server.port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = scram-sha-256\nauth_file = {self.root / 'userlist.txt'}\n"
            f"pool_mode = {self.mode}\n"
            "max_client_conn = 400\ndefault_pool_size = 20\nmax_db_connections = 40\n"
            "server_lifetime = 3600\nserver_idle_timeout = 60\n"
            f"logfile = {self.root / 'pgbouncer.log'}\n"
            "log_connections = 0\nlog_disconnections = 0\n")
        if self.user:
            _reachable(self.root)
            entry = pwd.getpwnam(self.user)
            for p in (self.root, ini, self.root / "userlist.txt"):
                os.chown(p, entry.pw_uid, entry.pw_gid)
        return ini

    def _listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def start(self) -> PgBouncer:
        for _ in range(5):  # a free port can be taken between looking and listening
            self.port = free_port()
            out = open(self.root / "stdout.log", "a")  # noqa: SIM115 - the process keeps it
            self.process = subprocess.Popen([PROGRAM, str(self._config())], user=self.user,
                                            stdout=out, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                if self._listening():
                    return self
                time.sleep(0.05)
            self.stop()
        raise RuntimeError(f"PgBouncer did not start: {(self.root / 'stdout.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def url(self, direct_url: str) -> str:
        """The same database and role as ``direct_url``, through PgBouncer."""
        name = conninfo_to_dict(direct_url)["dbname"]
        return f"postgresql://{APP_ROLE}:{APP_PASSWORD}@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def pgbouncer(external_pg: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of ``external_pg`` (session-wide)."""
    if not shutil.which(PROGRAM) and not Path(PROGRAM).exists():
        pytest.skip("Debian's pgbouncer is not installed (make test installs it)")
    bouncer = PgBouncer(server_folder(tmp_path_factory, "pgbouncer"), external_pg).start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


@pytest.fixture
def pooled_db(pgbouncer: PgBouncer, external_db: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database reached through PgBouncer in transaction mode: its DATABASE_URL, with
    PAPERBOY_DB_POOLER=transaction (and short leases) set for this process and its children."""
    monkeypatch.setenv("PAPERBOY_DB_POOLER", "transaction")
    monkeypatch.setenv("PAPERBOY_DB_LEASE_SECONDS", LEASE_SECONDS)
    return pgbouncer.url(external_db)
