"""Numbered SQL migrations (``migrations/NNNN_name.sql``), applied in order, one per transaction.

Applied versions are recorded in ``schema_migrations``; an advisory lock keeps two
processes from migrating at once. Upgrading an existing database applies only what is new.
"""

from __future__ import annotations

import re
from importlib import resources

import psycopg

from paperboy.db import locks
from paperboy.db.errors import DatabaseError

_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")


def available() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped with the package, in order."""
    files = resources.files("paperboy.db") / "migrations"
    out = []
    for f in files.iterdir():
        m = _NAME.match(f.name)
        if m:
            out.append((int(m.group(1)), f.name, f.read_text(encoding="utf-8")))
    return sorted(out)


def applied(conn: psycopg.Connection) -> set[int]:
    """Versions recorded as applied (none on a fresh database)."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return set()
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def pending(url: str) -> list[tuple[int, str, str]]:
    with psycopg.connect(url) as conn:
        done = applied(conn)
    return [m for m in available() if m[0] not in done]


def migrate(url: str) -> list[str]:
    """Apply pending migrations; return the names applied."""
    names: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        locks.lock(conn, locks.MIGRATE)
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied timestamptz NOT NULL DEFAULT now())"
            )
            done = applied(conn)
            for version, name, sql in available():
                if version in done:
                    continue
                try:
                    with conn.transaction():
                        conn.execute(sql.encode())
                        conn.execute(
                            "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                            (version, name),
                        )
                except psycopg.Error as e:
                    hint = ""
                    if "vector" in str(e):
                        hint = " (paperboy needs the pgvector extension on this server)"
                    raise DatabaseError(f"migration {name} failed: {str(e).strip()}{hint}") from e
                names.append(name)
        finally:
            locks.unlock(conn, locks.MIGRATE)
    return names
