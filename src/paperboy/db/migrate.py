"""Numbered SQL migrations (``migrations/NNNN_name.sql``), applied in order, one per transaction.

Applied versions are recorded in ``schema_migrations``; an advisory lock keeps two
processes from migrating at once. Upgrading an existing database applies only what is new.

A migration whose first line is ``-- paperboy: concurrently`` builds indexes without taking the
hub down (issue 27): its statements (each ending with ``;`` at the end of a line) run one by
one outside a transaction, so it can ``CREATE INDEX CONCURRENTLY`` or ``REINDEX ...
CONCURRENTLY`` while searches go on reading the old index and writers go on writing. Such a
migration may only build, rebuild or drop indexes: nothing else may depend on it, so ``serve``
applies the others first, starts answering, and builds these in the background
(:func:`migrate_later`); ``paperboy migrate`` builds them in the foreground. Its statements
must be safe to run again (``IF NOT EXISTS``, ``IF EXISTS``): a build that was killed runs again
from its first statement, after the invalid index it left is dropped (:func:`_drop_invalid`).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from importlib import resources

import psycopg
from psycopg.rows import tuple_row

from paperboy import __version__
from paperboy.db import locks, pooler
from paperboy.db.errors import DatabaseError

_NAME = re.compile(r"^(\d{4})_[\w-]+\.sql$")
CONCURRENTLY = "-- paperboy: concurrently"
_STATEMENT_END = re.compile(r";[ \t]*$", re.MULTILINE)
log = logging.getLogger(__name__)

Migration = tuple[int, str, str]  # version, file name, SQL


def concurrent(sql: str) -> bool:
    """Whether a migration builds indexes outside a transaction (see the module's doc)."""
    return sql.lstrip().startswith(CONCURRENTLY)


def statements(sql: str) -> list[str]:
    """A concurrent migration's statements: each ends with ``;`` at the end of a line.
    Comment-only pieces are dropped."""
    out = []
    for piece in _STATEMENT_END.split(sql):
        code = [ln for ln in piece.splitlines() if ln.strip() and not ln.strip().startswith("--")]
        if code:
            out.append("\n".join(code).strip())
    return out


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
    with conn.cursor(row_factory=tuple_row) as cur:  # whatever rows the connection makes
        exists = cur.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
        if not exists or not exists[0]:
            return set()
        return {row[0] for row in cur.execute("SELECT version FROM schema_migrations")}


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
    with pooler.connect(url) as conn:
        done = applied(conn)
    return [m for m in available() if m[0] not in done]


def building(conn: psycopg.Connection, files: list[Migration] | None = None) -> list[str]:
    """Concurrent migrations not yet applied (an index still being built, or to be built):
    the schema is otherwise current, and the hub answers meanwhile."""
    done = applied(conn)
    return [name for version, name, sql in files or available() if version not in done and concurrent(sql)]


def current(conn: psycopg.Connection, files: list[Migration] | None = None) -> bool:
    """Whether every migration that changes more than indexes is applied."""
    done = applied(conn)
    return all(version in done for version, _, sql in files or available() if not concurrent(sql))


def migrate(url: str, *, later: bool = False, files: list[Migration] | None = None) -> list[str]:
    """Apply pending migrations; return the names applied. With ``later``, concurrent
    migrations are left for :func:`migrate_later` (``files``: for tests, instead of the
    package's)."""
    names: list[str] = []
    with pooler.connect(url, autocommit=True) as conn:
        if later and current(conn, files):
            # Nothing but index builds pending: no wait for the lock a background build holds.
            refuse_newer(conn)
            return names
        # Waited for in short tries, not in one statement: a concurrent index build another
        # process runs waits for every open statement, this one included (a deadlock).
        while not locks.try_lock(conn, locks.MIGRATE):
            time.sleep(0.2)
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
            for version, name, sql in files or available():
                if version in done or (later and concurrent(sql)):
                    continue
                if concurrent(sql):
                    _apply_concurrently(conn, version, name, sql)
                    names.append(name)
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


def _record(conn: psycopg.Connection, version: int, name: str) -> None:
    conn.execute("INSERT INTO schema_migrations (version, name, paperboy) VALUES (%s, %s, %s)"
                 " ON CONFLICT (version) DO NOTHING", (version, name, __version__))


def _drop_invalid(conn: psycopg.Connection) -> None:
    """Drop the indexes a killed or failed concurrent build left invalid (PostgreSQL keeps
    them, unused but updated by every write). Only a concurrent build leaves one, and they
    run one at a time, under the migration lock."""
    rows = conn.execute(
        "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE NOT i.indisvalid AND n.nspname = current_schema()").fetchall()
    for (name,) in rows:
        log.warning("dropping the invalid index %s a concurrent build left", name)
        conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")  # noqa: S608 - quoted by format()


def _apply_concurrently(conn: psycopg.Connection, version: int, name: str, sql: str) -> None:
    """One concurrent migration on an autocommit connection: statement by statement, then
    recorded. A failure leaves it unrecorded, to run again whole."""
    _drop_invalid(conn)
    log.info("migration %s: building outside a transaction; the hub keeps answering", name)
    try:
        for statement in statements(sql):
            conn.execute(statement.encode())
    except psycopg.Error as e:
        raise DatabaseError(f"migration {name} failed: {str(e).strip()} (it runs again, whole,"
                            " at the next start or `paperboy migrate`)") from e
    _record(conn, version, name)


def migrate_later(url: str, files: list[Migration] | None = None) -> threading.Thread | None:
    """Build the pending concurrent migrations on a thread of their own (``serve``: it answers
    meanwhile). One process does it: the others find the migration lock taken and leave it.
    None when there is nothing to build."""
    with pooler.connect(url) as conn:
        if not building(conn, files):
            return None

    def build() -> None:
        try:
            with pooler.connect(url, autocommit=True) as conn:
                if not locks.try_lock(conn, locks.MIGRATE):
                    return
                try:
                    done = applied(conn)
                    for version, name, sql in files or available():
                        if version not in done and concurrent(sql):
                            _apply_concurrently(conn, version, name, sql)
                            log.info("migration %s applied", name)
                finally:
                    locks.unlock(conn, locks.MIGRATE)
        except Exception:
            log.exception("a background index build failed; it runs again at the next start")

    thread = threading.Thread(target=build, name="migrate-later", daemon=True)
    thread.start()
    return thread
