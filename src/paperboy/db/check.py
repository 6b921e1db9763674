"""Before paperboy uses a server: can it log in, and does the database have pgvector?

Each failure becomes one :class:`DatabaseError` line fit for a terminal, naming the server
(never the password) and what to do, instead of libpq's multi-line message or a traceback:
a wrong password, a host or port nobody answers on, a missing database, a read-only replica,
a server without pgvector, or a role that may not create the extension.

pgvector is not a trusted extension (its control file does not say ``trusted = true``), so on a
managed server an administrator creates it once in paperboy's database (``CREATE EXTENSION
vector;``, as the service's admin role); paperboy's own role needs only to own its database.
When the extension is available but not yet created, paperboy tries to create it (as the
first migration would) and says who must do it if the role may not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
from psycopg.rows import tuple_row

from paperboy.db import locks, pooler
from paperboy.db.errors import DatabaseError

PGVECTOR_INSTALL = "https://github.com/pgvector/pgvector#installation"


def server_name(url: str) -> str:
    """user@host:port/database of a URL, without its password, fit for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable DATABASE_URL>"
    host = info.get("host") or info.get("hostaddr") or "localhost"
    if host.startswith("/"):  # a Unix socket directory (the embedded server)
        host = "socket " + host
    return f"{info.get('user', '')}@{host}:{info.get('port') or '5432'}/{info.get('dbname', '')}"


def _password(url: str) -> str | None:
    try:
        return psycopg.conninfo.conninfo_to_dict(url).get("password") or None
    except psycopg.ProgrammingError:
        return None


def _scrub(text: str, url: str) -> str:
    """``text`` on one line, without the password should a message ever repeat it."""
    text = " ".join(text.split())
    secret = _password(url)
    return text.replace(secret, "***") if secret else text


# libpq's wording: 'connection failed: connection to server at "h", port p failed: FATAL:  why'
_PREFIX = re.compile(r"^(connection failed: )?(connection to server (at|on) .*? failed: )?(FATAL: +)?")
_HINTS = (
    ("password authentication failed", "check the user name and password in DATABASE_URL"),
    ("SASL authentication failed", "check the user name and password in DATABASE_URL"),  # PgBouncer's
    ("no password supplied", "DATABASE_URL needs the password of this user"),
    ("does not exist", "check the names in DATABASE_URL, or create the role and database"),
    ("no pg_hba.conf entry", "the server's pg_hba.conf does not admit this user from here"),
)


def reason(error: psycopg.Error, url: str) -> str:
    """libpq's message of a failed connection, on one line, without its boilerplate."""
    text = str(error).strip() or type(error).__name__
    first, *more = [line.strip() for line in text.splitlines() if line.strip()]
    text = " — ".join([_PREFIX.sub("", first), *more])
    text = _scrub(text, url)
    for needle, hint in _HINTS:
        if needle in text:
            return f"{text} ({hint})"
    return text


def check(url: str, *, write: bool = True, timeout: int = 10) -> None:
    """Log in once; with ``write`` (paperboy is about to migrate and use the database) also
    refuse a read-only server (a replica) and make sure the database has pgvector, creating
    the extension when the server offers it. Otherwise a one-line DatabaseError saying why and
    what to do."""
    try:
        conn = pooler.connect(url, connect_timeout=timeout, autocommit=True, row_factory=tuple_row)
    except psycopg.Error as e:
        raise DatabaseError(f"cannot connect to PostgreSQL at {server_name(url)}: {reason(e, url)}") from e
    try:
        with conn:
            if not write:
                conn.execute("SELECT 1")
                return
            facts = _facts(conn)  # one query: the usual case (a primary, pgvector created) ends here
            _refuse_read_only(facts, url)
            if not facts.installed:
                locks.lock(conn, locks.MIGRATE)  # with a migration or another node starting up
                try:
                    _create_vector(conn, url)
                finally:
                    locks.unlock(conn, locks.MIGRATE)
    except psycopg.Error as e:
        raise DatabaseError(f"PostgreSQL at {server_name(url)} failed: {reason(e, url)}") from e


@dataclass(frozen=True)
class _Facts:
    installed: str | None  # pgvector's version in this database
    available: str | None  # pgvector's version the server could create
    role: str
    database: str
    major: int  # the server's major version
    replica: bool  # a hot standby (in recovery)
    read_only: bool  # transactions are read-only by default here


def _facts(conn: psycopg.Connection) -> _Facts:
    row = conn.execute(
        "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector'),"
        " (SELECT default_version FROM pg_available_extensions WHERE name = 'vector'),"
        " current_user, current_database(), current_setting('server_version_num')::int / 10000,"
        " pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on'"
    ).fetchone()
    assert row is not None
    return _Facts(*row)


def _host(url: str) -> str:
    return server_name(url).split("@", 1)[-1].rsplit("/", 1)[0]  # host:port


def _refuse_read_only(facts: _Facts, url: str) -> None:
    if facts.replica:
        raise DatabaseError(
            f"the PostgreSQL server at {_host(url)} is a read-only replica (hot standby): paperboy "
            "writes (migrations, votes, fetches) and coordinates its processes with advisory locks "
            "on the server it uses, so DATABASE_URL must name the primary")
    if facts.read_only:
        raise DatabaseError(
            f"database {facts.database} at {_host(url)} is read-only (default_transaction_read_only "
            "is on), and paperboy writes to it: turn that off, or point DATABASE_URL at a writable "
            "database")


def _create_vector(conn: psycopg.Connection, url: str) -> None:
    facts = _facts(conn)  # again, under the lock: another process may have created it meanwhile
    if facts.installed:
        return
    if not facts.available:
        raise DatabaseError(
            f"the PostgreSQL server at {_host(url)} does not have the pgvector extension, which "
            f"paperboy needs: install it on the server (e.g. apt install "
            f"postgresql-{facts.major}-pgvector, or see {PGVECTOR_INSTALL}; managed services offer "
            f"it), then run CREATE EXTENSION vector; in database {facts.database}")
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.errors.InsufficientPrivilege as e:
        raise DatabaseError(
            f"pgvector is available on {_host(url)} but not created in database {facts.database}, "
            f"and role {facts.role} may not create it: ask an administrator to run CREATE "
            f"EXTENSION vector; in database {facts.database}") from e
