"""pgvector's types on a connection, so vectors go in and come out as arrays.

The pool teaches every connection it opens (connect.py); code holding a connection of its
own (a job, a script, a test) calls :func:`ensure_vector` before reading or writing vectors.
"""

from __future__ import annotations

import psycopg


def ensure_vector(conn: psycopg.Connection) -> None:
    """Teach the connection pgvector's types (once; pooled connections come taught).
    Raises psycopg.ProgrammingError when the extension is not created yet (before migrating)."""
    if conn.adapters.types.get("vector") is None:
        # imported here: pgvector's adapters are not needed to start (`paperboy --help` stays fast)
        from pgvector.psycopg import register_vector

        register_vector(conn)
