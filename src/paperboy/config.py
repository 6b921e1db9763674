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
from dataclasses import dataclass, field
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
    "PAPERBOY_BASE_URL": "the address people reach this instance at, used in email links "
    "(default http://127.0.0.1:8000)",
    "PAPERBOY_SECRET_KEY": "signs the links in emails; default: generated once and kept in the database",
    "PAPERBOY_SMTP_HOST": "SMTP server for email; when unset, emails are written as .eml files to "
    "PAPERBOY_HOME/outbox",
    "PAPERBOY_SMTP_PORT": "SMTP port (default 587, or 465 with ssl, 25 with none)",
    "PAPERBOY_SMTP_SECURITY": "starttls (default), ssl or none",
    "PAPERBOY_SMTP_USER": "SMTP user name, when the server wants one",
    "PAPERBOY_SMTP_PASSWORD": "SMTP password (never logged)",
    "PAPERBOY_MAIL_FROM": "sender of emails (default paperboy <paperboy@localhost>)",
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
    base_url: str
    secret_key: str | None
    smtp: SMTPSettings | None
    mail_from: str


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    security: str  # starttls, ssl or none
    user: str | None
    password: str | None = field(repr=False, default=None)  # never printed

    def __post_init__(self) -> None:
        if self.security not in ("starttls", "ssl", "none"):
            raise ValueError("PAPERBOY_SMTP_SECURITY must be starttls, ssl or none")


def _smtp() -> SMTPSettings | None:
    host = os.environ.get("PAPERBOY_SMTP_HOST")
    if not host:
        return None
    security = os.environ.get("PAPERBOY_SMTP_SECURITY", "starttls").lower()
    default_port = {"ssl": 465, "none": 25}.get(security, 587)
    return SMTPSettings(
        host=host,
        port=int(os.environ.get("PAPERBOY_SMTP_PORT", default_port)),
        security=security,
        user=os.environ.get("PAPERBOY_SMTP_USER") or None,
        password=os.environ.get("PAPERBOY_SMTP_PASSWORD") or None,
    )


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
        base_url=os.environ.get("PAPERBOY_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        secret_key=os.environ.get("PAPERBOY_SECRET_KEY") or None,
        smtp=_smtp(),
        mail_from=os.environ.get("PAPERBOY_MAIL_FROM", "paperboy <paperboy@localhost>"),
    )
