"""Every setting in one place. Settings come from environment variables.

| variable          | default                     | meaning                                          |
|-------------------|-----------------------------|--------------------------------------------------|
| DATABASE_URL      | (unset)                     | use this PostgreSQL (with pgvector); when unset, |
|                   |                             | paperboy runs its own embedded server            |
| PAPERBOY_HOME     | ~/.local/share/paperboy     | data directory (embedded database, outbox, …)    |
| PAPERBOY_HOST     | 127.0.0.1                   | address `serve`/`demo` listen on                 |
| PAPERBOY_PORT     | 8000                        | port `serve`/`demo` listen on                    |
| PAPERBOY_CACHE_SECONDS | 1                      | how often a web worker checks for new data;      |
|                   |                             | pages are cached in between (0: no cache)        |
| PAPERBOY_RATE_LIMIT | 20                        | requests/s per client after a burst (0: off)     |
| PAPERBOY_RATE_BURST | 120                       | requests one client may make at once             |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SETTINGS = {
    "DATABASE_URL": "use this PostgreSQL server (it needs the pgvector extension); "
    "when unset paperboy starts its own embedded server in PAPERBOY_HOME",
    "PAPERBOY_HOME": "data directory (default ~/.local/share/paperboy)",
    "PAPERBOY_HOST": "address serve/demo listen on (default 127.0.0.1)",
    "PAPERBOY_PORT": "port serve/demo listen on (default 8000)",
    "PAPERBOY_RATE_LIMIT": "requests a second one client may make to the web app after a burst of "
    "PAPERBOY_RATE_BURST (default 20; 0 turns the limit off)",
    "PAPERBOY_RATE_BURST": "requests one client may make at once (default 120)",
    "PAPERBOY_CACHE_SECONDS": "how often a web worker checks whether stored data changed; public "
    "pages are served from its cache in between (default 1; 0 turns the cache off)",
}


@dataclass(frozen=True)
class Config:
    database_url: str | None
    home: Path
    host: str
    port: int
    cache_seconds: float
    rate_limit: float
    rate_burst: int


def load() -> Config:
    home = os.environ.get("PAPERBOY_HOME") or "~/.local/share/paperboy"
    return Config(
        database_url=os.environ.get("DATABASE_URL") or None,
        home=Path(home).expanduser().resolve(),
        host=os.environ.get("PAPERBOY_HOST", "127.0.0.1"),
        port=int(os.environ.get("PAPERBOY_PORT", "8000")),
        cache_seconds=float(os.environ.get("PAPERBOY_CACHE_SECONDS", "1")),
        rate_limit=float(os.environ.get("PAPERBOY_RATE_LIMIT", "20")),
        rate_burst=int(os.environ.get("PAPERBOY_RATE_BURST", "120")),
    )
