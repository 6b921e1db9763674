"""Numbered SQL migrations (``migrations/NNNN_name.sql``), applied in order, one per transaction.

Applied versions are recorded in ``schema_migrations``; an advisory lock keeps two
processes from migrating at once. Upgrading an existing database applies only what is new.
"""

from __future__ import annotations

import re
from importlib import resources

import psycopg
from psycopg.rows import tuple_row

from paperboy import __version__
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


def newest(conn: psycopg.Connection) -> tuple[int, str | None]:
    """The database's newest applied version, and the paperboy version that applied it
    (None for databases migrated before paperboy recorded it); (0, None) when fresh."""
    with conn.cursor(row_factory=tuple_row) as cur:  # whatever rows the connection makes
        if not cur.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()[0]:
            return 0, None
        has_by = cur.execute(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name ="
            " 'schema_migrations' AND column_name = 'paperboy' AND table_schema = current_schema())"
        ).fetchone()[0]
        by = "paperboy" if has_by else "NULL::text"
        row = cur.execute(f"SELECT version, {by} FROM schema_migrations"  # noqa: S608 (a column)
                          " ORDER BY version DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else (0, None)


def refuse_newer(conn: psycopg.Connection) -> None:
    """A database a newer paperboy migrated is refused: this code does not know its schema,
    and writing to it could lose what the newer version keeps."""
    version, by = newest(conn)
    known = available()[-1][0]
    if version > known:
        who = f" by paperboy {by}" if by else ""
        raise DatabaseError(
            f"this database is at schema version {version} (migrated{who}), newer than this "
            f"paperboy {__version__} knows (schema version {known}): run the newer paperboy, "
            "or restore a backup made with this version into an empty database")


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
            refuse_newer(conn)
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied timestamptz NOT NULL DEFAULT now())"
            )
            # Which paperboy applied each version: the refusal above names it to an older one.
            conn.execute("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS paperboy text")
            done = applied(conn)
            for version, name, sql in available():
                if version in done:
                    continue
                try:
                    with conn.transaction():
                        conn.execute(sql.encode())
                        conn.execute(
                            "INSERT INTO schema_migrations (version, name, paperboy)"
                            " VALUES (%s, %s, %s)", (version, name, __version__),
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
