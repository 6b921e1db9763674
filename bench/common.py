"""What every benchmark shares: a throwaway embedded PostgreSQL with a migrated database."""

from __future__ import annotations

from pathlib import Path

import psycopg

from paperboy.db import embedded, migrate


def fresh_database(home: Path, name: str = "bench") -> str:
    """Start (or join) the embedded server in ``home``, create database ``name``, migrate it;
    return its URL."""
    url = embedded.start(home)
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = psycopg.conninfo.make_conninfo(url, dbname=name)
    migrate.migrate(url)
    return url
