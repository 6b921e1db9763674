"""Behind a connection pooler (PgBouncer, Supavisor, a managed service's pooler):
PAPERBOY_DB_POOLER says which pool mode DATABASE_URL leads to, and every connection paperboy
opens to it is made here (:func:`connect`, :func:`connect_kwargs` for the pool of connect.py).

* ``off`` (default) and ``session``: a client keeps its server connection while connected, so
  everything works as on a direct connection (session advisory locks, prepared statements).
* ``transaction``: each transaction may run on another server connection. Session state does
  not survive between transactions, so psycopg's server-side prepared statements are turned
  off (PgBouncer before 1.21 does not track them; Debian 12 ships 1.18) and the jobs' locks
  are lease rows (leases.py) instead of session advisory locks (locks.py).
* ``statement`` pooling is not supported: paperboy needs multi-statement transactions.
"""

from __future__ import annotations

import os
from typing import Any

import psycopg

from paperboy.db.errors import DatabaseError

MODES = ("off", "session", "transaction")
SETTING = "PAPERBOY_DB_POOLER"


def setting(name: str, default: str) -> str:
    """A setting's text (environment, then the settings file), read at each use."""
    from paperboy.config import ConfigError, Values

    try:
        return Values().text(name, default).strip()
    except ConfigError:  # a broken settings file is reported by whatever loads the settings
        return (os.environ.get(name) or default).strip()


def mode() -> str:
    """The pool mode PAPERBOY_DB_POOLER names."""
    value = setting(SETTING, "off").lower() or "off"
    if value == "statement":
        raise DatabaseError(f"{SETTING}=statement is not supported: paperboy runs transactions of "
                            "several statements; use transaction or session pooling")
    if value not in MODES:
        raise DatabaseError(f"{SETTING}={value!r}: use {', '.join(MODES)}")
    return value


def transaction_pooling() -> bool:
    """Whether server connections change between transactions (locks become leases)."""
    return mode() == "transaction"


def connect_kwargs() -> dict[str, Any]:
    """What every connection needs for the pool mode: no prepared statements in transaction
    mode (a statement prepared on one server connection is unknown on the next)."""
    return {"prepare_threshold": None} if transaction_pooling() else {}


def connect(url: str, **kwargs: Any) -> psycopg.Connection:
    """``psycopg.connect`` with what the pool mode needs."""
    return psycopg.connect(url, **{**connect_kwargs(), **kwargs})
