"""Every setting in one place. Settings come from environment variables; ``SETTINGS``
names each one with its meaning and default (the README lists them all, a test checks)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

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
    "PAPERBOY_SECRET_KEY": "signs the links in emails; several keys (spaces or commas) rotate them: the "
    "last signs, all verify; default: generated once and kept in the database",
    "PAPERBOY_SMTP_HOST": "SMTP server for email; when unset, emails are written as .eml files to "
    "PAPERBOY_HOME/outbox",
    "PAPERBOY_SMTP_PORT": "SMTP port (default 587, or 465 with ssl, 25 with none)",
    "PAPERBOY_SMTP_SECURITY": "starttls (default), ssl or none",
    "PAPERBOY_SMTP_USER": "SMTP user name, when the server wants one",
    "PAPERBOY_SMTP_PASSWORD": "SMTP password (never logged)",
    "PAPERBOY_MAIL_FROM": "sender of emails (default paperboy <paperboy@localhost>)",
    "PAPERBOY_SUBSCRIBE_PER_CLIENT": "subscribe requests one client (IP address, or IPv6 /64) may "
    "make in an hour (default 5; 0: no limit)",
    "PAPERBOY_SUBSCRIBE_PER_MAILBOX": "subscribe requests for one mailbox (ignoring +tags and "
    "case) in an hour (default 3; 0: no limit)",
    "PAPERBOY_SUBSCRIBE_PER_DOMAIN": "subscribe requests for addresses of one domain in an hour "
    "(default 50; 0: no limit)",
    "PAPERBOY_SUBSCRIBE_PER_HOUR": "subscribe requests in an hour in all (default 200; 0: no limit)",
    "PAPERBOY_PREFERENCES_LINK_DAYS": "days the preferences link of an email works (default 90)",
    "PAPERBOY_UNSUBSCRIBE_LINK_DAYS": "days the unsubscribe link of an email works (default 365)",
    "PAPERBOY_CACHE_SECONDS": "how often a web worker checks whether stored data changed; public "
    "pages are served from its cache in between (default 1; 0 turns the cache off)",
    "PAPERBOY_CACHE_MB": "the most memory, in MB, one web worker's page cache may hold; the least "
    "recently used pages go first (default 64)",
    "PAPERBOY_TRUSTED_HOSTS": "host names the web app answers to (spaces or commas); other Host "
    "headers get 400 (default: the host of PAPERBOY_BASE_URL, localhost, 127.0.0.1 and ::1; "
    "* allows any)",
    "PAPERBOY_ARXIV_CATEGORIES": "the arXiv categories this instance follows, e.g. "
    "\"cs.CL cs.CV\" (commas or spaces; default none: no arXiv fetching)",
    "PAPERBOY_FETCH_EVERY": "how often `serve` fetches new papers: 30m, 6h, 1d… (default 6h; "
    "off turns the schedule off, e.g. when cron runs `paperboy fetch all`)",
    "PAPERBOY_FETCH_SOURCES": "what the schedule and `fetch all` fetch: hf, arxiv or both "
    "(default \"hf arxiv\"; arxiv only when categories are followed)",
    "PAPERBOY_HF_DAYS": "how many recent days each Hugging Face fetch reads again, to refresh "
    "upvotes (default 3)",
    "PAPERBOY_ARXIV_URL": "the arXiv API's query address (default https://export.arxiv.org/api/query)",
    "PAPERBOY_HF_URL": "the Hugging Face site whose /api/daily_papers is read "
    "(default https://huggingface.co)",
    "PAPERBOY_ARXIV_DELAY": "seconds between two requests to arXiv (default 3, as arXiv asks)",
    "PAPERBOY_HF_DELAY": "seconds between two requests to Hugging Face (default 1)",
    "PAPERBOY_FETCH_TIMEOUT": "seconds to wait for a response before retrying (default 30)",
    "PAPERBOY_IMPORT_MAX_MB": "the largest text `paperboy import` reads from one file, in MB, "
    "after decompressing a .gz (default 1024; a bigger file, or a gzip bomb, is refused)",
    "PAPERBOY_SIGNUP": "who may become a member: invite (default: only addresses an admin added), "
    "open (anyone who can receive the sign-in email) or domain:example.org (addresses of these "
    "domains; several separated by commas)",
    "PAPERBOY_SESSION_DAYS": "days a sign-in lasts on one browser (default 30)",
    "PAPERBOY_SUBMIT_PER_DAY": "papers one member may submit to the Daily list a day (default 10; "
    "curators and admins have no limit)",
    "PAPERBOY_VOTES_PER_MINUTE": "upvotes and un-votes one member may make a minute (default 60)",
    "PAPERBOY_COMMENTS_PER_HOUR": "comments and edits one member may post an hour (default 30)",
    "PAPERBOY_FETCH_RETRIES": "retries of a failed request (timeouts, resets, 429, 5xx, broken "
    "pages) before a fetch stops (default 5)",
}


# How `paperboy serve --workers N` tells its worker processes (which uvicorn starts, each
# loading settings anew) what its --embed/--fetch options said. Not settings for people.
_HANDOFF_EMBED, _HANDOFF_FETCH = "PAPERBOY_SERVE_EMBED", "PAPERBOY_SERVE_FETCH"


def hand_off_to_workers(embed: bool, fetch: bool) -> None:
    os.environ[_HANDOFF_EMBED] = "1" if embed else "0"
    os.environ[_HANDOFF_FETCH] = "1" if fetch else "0"


class ConfigError(ValueError):
    """A setting with a value paperboy cannot use; the message names the variable."""


def _number(name: str, default: str, kind=float):
    value = os.environ.get(name, default).strip()
    try:
        number = kind(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a {'whole ' if kind is int else ''}number") from None
    if number < 0:
        raise ConfigError(f"{name}={value!r} must not be negative")
    return number


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> float | None:
    """Seconds in an interval like 90s, 30m, 6h, 1d (a bare number is seconds); None for off.

    >>> parse_interval("6h"), parse_interval("off"), parse_interval("45")
    (21600.0, None, 45.0)
    """
    t = text.strip().lower()
    if t in ("off", "0", "no", "never", "false", ""):
        return None
    unit = _UNITS.get(t[-1])
    number = t[:-1] if unit else t
    try:
        seconds = float(number) * (unit or 1)
    except ValueError:
        raise ValueError(f"{text!r} is not an interval like 30m, 6h or 1d (or off)") from None
    if seconds <= 0:
        return None
    return seconds


def _split(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for x in value.replace(",", " ").split() if x))


@dataclass(frozen=True)
class FetchSettings:
    categories: tuple[str, ...] = ()
    every: float | None = 6 * 3600  # seconds; None: no schedule
    sources: tuple[str, ...] = ("hf", "arxiv")
    hf_days: int = 3
    arxiv_url: str = "https://export.arxiv.org/api/query"
    hf_url: str = "https://huggingface.co"
    arxiv_delay: float = 3.0
    hf_delay: float = 1.0
    timeout: float = 30.0
    retries: int = 5


def _fetch() -> FetchSettings:
    every_text = os.environ.get("PAPERBOY_FETCH_EVERY", "6h")
    try:
        every = parse_interval(every_text)
    except ValueError as e:
        raise ConfigError(f"PAPERBOY_FETCH_EVERY: {e}") from None
    sources = _split(os.environ.get("PAPERBOY_FETCH_SOURCES", "hf arxiv").lower())
    unknown = [s for s in sources if s not in ("hf", "arxiv")]
    if unknown:
        raise ConfigError(f"PAPERBOY_FETCH_SOURCES: unknown source {unknown[0]!r} (use hf, arxiv)")
    return FetchSettings(
        categories=_split(os.environ.get("PAPERBOY_ARXIV_CATEGORIES", "")),
        every=every,
        sources=sources,
        hf_days=max(1, _number("PAPERBOY_HF_DAYS", "3", int)),
        arxiv_url=os.environ.get("PAPERBOY_ARXIV_URL") or FetchSettings.arxiv_url,
        hf_url=(os.environ.get("PAPERBOY_HF_URL") or FetchSettings.hf_url).rstrip("/"),
        arxiv_delay=_number("PAPERBOY_ARXIV_DELAY", "3"),
        hf_delay=_number("PAPERBOY_HF_DELAY", "1"),
        timeout=max(0.1, _number("PAPERBOY_FETCH_TIMEOUT", "30")),
        retries=_number("PAPERBOY_FETCH_RETRIES", "5", int),
    )


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
    fetch: FetchSettings = field(default_factory=lambda: FetchSettings())
    digest: DigestSettings = field(default_factory=lambda: DigestSettings())
    cache_bytes: int = 64 * 1024 * 1024
    trusted_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")  # "*": any
    import_max_bytes: int = 1024 * 1024 * 1024
    community: CommunitySettings = field(default_factory=lambda: CommunitySettings())
    recommend: RecommendSettings = field(default_factory=lambda: RecommendSettings())
    serve_embed: bool = True  # what `serve` handed its worker processes (hand_off_to_workers)
    serve_fetch: bool = True


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    security: str  # starttls, ssl or none
    user: str | None
    password: str | None = field(repr=False, default=None)  # never printed

    def __post_init__(self) -> None:
        if self.security not in ("starttls", "ssl", "none"):
            raise ConfigError("PAPERBOY_SMTP_SECURITY must be starttls, ssl or none")


@dataclass(frozen=True)
class DigestSettings:
    """Limits on /subscribe (requests an hour; 0: none) and how long signed links work."""

    subscribe_per_client: int = 5
    subscribe_per_mailbox: int = 3
    subscribe_per_domain: int = 50
    subscribe_per_hour: int = 200
    preferences_link_days: float = 90
    unsubscribe_link_days: float = 365


@dataclass(frozen=True)
class CommunitySettings:
    """Who may join, how long a sign-in lasts, and the per-member limits."""

    signup: str = "invite"  # open, invite or domain
    signup_domains: tuple[str, ...] = ()  # for signup == "domain"
    session_days: float = 30
    submit_per_day: int = 10
    votes_per_minute: int = 60
    comments_per_hour: int = 30


@dataclass(frozen=True)
class RecommendSettings:
    """For you: how many recent days its picks come from when no period is asked for."""

    days: int = 14


def _recommend() -> RecommendSettings:
    days = _number("PAPERBOY_FOR_YOU_DAYS", "14", int)
    if days < 1:
        raise ConfigError("PAPERBOY_FOR_YOU_DAYS must be at least 1 day")
    return RecommendSettings(days=days)


def _community() -> CommunitySettings:
    raw = os.environ.get("PAPERBOY_SIGNUP", "invite").strip()
    kind, _, rest = raw.partition(":")
    kind = kind.strip().lower()
    domains: tuple[str, ...] = ()
    if kind == "domain":
        domains = tuple(d.lstrip("@").lower() for d in _split(rest))
        if not domains:
            raise ConfigError("PAPERBOY_SIGNUP=domain needs domains, e.g. domain:example.org")
    elif kind not in ("open", "invite") or rest:
        raise ConfigError(f"PAPERBOY_SIGNUP={raw!r}: use open, invite or domain:example.org")
    return CommunitySettings(
        signup=kind,
        signup_domains=domains,
        session_days=_days("PAPERBOY_SESSION_DAYS", "30"),
        submit_per_day=_number("PAPERBOY_SUBMIT_PER_DAY", "10", int),
        votes_per_minute=_number("PAPERBOY_VOTES_PER_MINUTE", "60", int),
        comments_per_hour=_number("PAPERBOY_COMMENTS_PER_HOUR", "30", int),
    )


def _days(name: str, default: str) -> float:
    days = _number(name, default)
    if days <= 0:
        raise ConfigError(f"{name} must be more than 0 days")
    return days


def _digest() -> DigestSettings:
    return DigestSettings(
        subscribe_per_client=_number("PAPERBOY_SUBSCRIBE_PER_CLIENT", "5", int),
        subscribe_per_mailbox=_number("PAPERBOY_SUBSCRIBE_PER_MAILBOX", "3", int),
        subscribe_per_domain=_number("PAPERBOY_SUBSCRIBE_PER_DOMAIN", "50", int),
        subscribe_per_hour=_number("PAPERBOY_SUBSCRIBE_PER_HOUR", "200", int),
        preferences_link_days=_days("PAPERBOY_PREFERENCES_LINK_DAYS", "90"),
        unsubscribe_link_days=_days("PAPERBOY_UNSUBSCRIBE_LINK_DAYS", "365"),
    )


def _smtp() -> SMTPSettings | None:
    host = os.environ.get("PAPERBOY_SMTP_HOST")
    if not host:
        return None
    security = os.environ.get("PAPERBOY_SMTP_SECURITY", "starttls").lower()
    default_port = {"ssl": 465, "none": 25}.get(security, 587)
    return SMTPSettings(
        host=host,
        port=_number("PAPERBOY_SMTP_PORT", str(default_port), int),
        security=security,
        user=os.environ.get("PAPERBOY_SMTP_USER") or None,
        password=os.environ.get("PAPERBOY_SMTP_PASSWORD") or None,
    )


def trusted_hosts(base_url: str) -> tuple[str, ...]:
    """PAPERBOY_TRUSTED_HOSTS, or the base URL's host and this machine's own names."""
    given = _split(os.environ.get("PAPERBOY_TRUSTED_HOSTS", "").lower())
    if given:
        return given
    own = urlsplit(base_url).hostname
    return tuple(dict.fromkeys([*([own] if own else []), "localhost", "127.0.0.1", "::1"]))


def load() -> Config:
    home = os.environ.get("PAPERBOY_HOME") or "~/.local/share/paperboy"
    base_url = os.environ.get("PAPERBOY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return Config(
        database_url=os.environ.get("DATABASE_URL") or None,
        home=Path(home).expanduser().resolve(),
        host=os.environ.get("PAPERBOY_HOST", "127.0.0.1"),
        port=_number("PAPERBOY_PORT", "8000", int),
        cache_seconds=_number("PAPERBOY_CACHE_SECONDS", "1"),
        rate_limit=_number("PAPERBOY_RATE_LIMIT", "20"),
        rate_burst=_number("PAPERBOY_RATE_BURST", "120", int),
        base_url=base_url,
        secret_key=os.environ.get("PAPERBOY_SECRET_KEY") or None,
        smtp=_smtp(),
        mail_from=os.environ.get("PAPERBOY_MAIL_FROM", "paperboy <paperboy@localhost>"),
        fetch=_fetch(),
        digest=_digest(),
        community=_community(),
        recommend=_recommend(),
        cache_bytes=int(_number("PAPERBOY_CACHE_MB", "64") * 1024 * 1024),
        trusted_hosts=trusted_hosts(base_url),
        import_max_bytes=max(1, _number("PAPERBOY_IMPORT_MAX_MB", "1024", int)) * 1024 * 1024,
        serve_embed=os.environ.get(_HANDOFF_EMBED, "1") == "1",
        serve_fetch=os.environ.get(_HANDOFF_FETCH, "1") == "1",
    )
