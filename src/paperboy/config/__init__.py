"""Every setting in one place: what each becomes (``load``). Values come from environment
variables, then the TOML file PAPERBOY_CONFIG names (sources.py); ``SETTINGS`` (names.py)
gives each its meaning and default (the docs list them all, a test checks)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from paperboy.config.names import SECRETS, SETTINGS
from paperboy.config.sources import ConfigError, Values

__all__ = ["SECRETS", "SETTINGS", "ConfigError", "Values", "load", "load_with_sources"]

# How `paperboy serve --workers N` tells its worker processes (which uvicorn starts, each
# loading settings anew) what its --embed/--fetch options said. Not settings for people.
_HANDOFF_EMBED, _HANDOFF_FETCH = "PAPERBOY_SERVE_EMBED", "PAPERBOY_SERVE_FETCH"


def hand_off_to_workers(embed: bool, fetch: bool) -> None:
    os.environ[_HANDOFF_EMBED] = "1" if embed else "0"
    os.environ[_HANDOFF_FETCH] = "1" if fetch else "0"


def _number(v: Values, name: str, default: str, kind=float):
    value = v.text(name, default).strip()
    try:
        number = kind(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}{v.where(name)} is not a "
                          f"{'whole ' if kind is int else ''}number") from None
    if number < 0:
        raise ConfigError(f"{name}={value!r}{v.where(name)} must not be negative")
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


_SIZES = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}

# The embedded server's memory settings: PostgreSQL's name -> paperboy's setting, and the
# least PostgreSQL accepts. Each is auto (sized from the machine, db/tuning.py) or a size.
DB_MEMORY = {"shared_buffers": "PAPERBOY_DB_SHARED_BUFFERS",
             "effective_cache_size": "PAPERBOY_DB_EFFECTIVE_CACHE_SIZE",
             "maintenance_work_mem": "PAPERBOY_DB_MAINTENANCE_WORK_MEM",
             "work_mem": "PAPERBOY_DB_WORK_MEM"}
_DB_MEMORY_LEAST = {"shared_buffers": 128 * 1024, "effective_cache_size": 8 * 1024,
                    "maintenance_work_mem": 1024**2, "work_mem": 64 * 1024}


def parse_size(text: str) -> int | None:
    """Bytes in a PostgreSQL size such as 512MB, 2GB or 1.5GB (kB, MB, GB, TB, any case); None
    for auto. PostgreSQL's units are powers of 1024.

    >>> parse_size("2GB"), parse_size("512mb"), parse_size("1.5 GB"), parse_size(" auto ")
    (2147483648, 536870912, 1610612736, None)
    """
    t = text.strip().lower()
    if t in ("auto", ""):
        return None
    number, unit = t[:-2].strip(), _SIZES.get(t[-2:])
    try:
        size = float(number) * unit if unit and number[:1].isdigit() else float("nan")
    except ValueError:
        size = float("nan")
    if not size < 2 * 1024**4:  # also NaN: not a size; PostgreSQL's limit is below 2TB
        raise ValueError(f"{text.strip()!r} is not a size like 512MB or 2GB (or auto)")
    return int(size)


def db_memory(v: Values | None = None) -> dict[str, int]:
    """The embedded server's memory settings that are not auto, in bytes, by PostgreSQL's name."""
    v = v or Values()
    sizes = {}
    for name, setting in DB_MEMORY.items():
        value = v.text(setting, "auto")
        try:
            size = parse_size(value)
        except ValueError as e:
            raise ConfigError(f"{setting}{v.where(setting)}: {e}") from None
        if size is not None and size < _DB_MEMORY_LEAST[name]:
            raise ConfigError(f"{setting}={value.strip()!r}{v.where(setting)} is below the "
                              f"{_DB_MEMORY_LEAST[name] // 1024}kB PostgreSQL needs")
        if size is not None:
            sizes[name] = size
    return sizes


def _split(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for x in value.replace(",", " ").split() if x))


FULLTEXT_SCOPES = ("daily", "library", "all", "off")


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
    enrich_every: float | None = 600.0  # seconds between serve's looks for papers to enrich; None: off
    arxiv_html_url: str = "https://arxiv.org/html"  # full text: {this}/{arXiv id}
    fulltext: str = "library"  # which papers get their full text: daily, library, all or off
    fulltext_max_bytes: int = 10 * 1000**3  # PAPERBOY_FULLTEXT_MAX_GB: stored full texts (compressed) at most
    enrich_sources: tuple[str, ...] = ()  # the enrichment sources serve and `paperboy enrich` use; (): all
    github_url: str = "https://api.github.com"
    github_token: str | None = None  # sent as Authorization: Bearer, never logged
    github_delay: float = 60.0  # GitHub allows 60 requests an hour without a token, 5,000 with one


def _fetch(v: Values) -> FetchSettings:
    every_text = v.text("PAPERBOY_FETCH_EVERY", "6h")
    try:
        every = parse_interval(every_text)
    except ValueError as e:
        raise ConfigError(f"PAPERBOY_FETCH_EVERY: {e}") from None
    try:
        enrich_every = parse_interval(v.text("PAPERBOY_ENRICH_EVERY", "10m"))
    except ValueError as e:
        raise ConfigError(f"PAPERBOY_ENRICH_EVERY: {e}") from None
    fulltext = v.text("PAPERBOY_FULLTEXT", "library").strip().lower()
    if fulltext not in FULLTEXT_SCOPES:
        raise ConfigError(f"PAPERBOY_FULLTEXT={fulltext!r}{v.where('PAPERBOY_FULLTEXT')}: use "
                          + ", ".join(FULLTEXT_SCOPES))
    max_gb = _number(v, "PAPERBOY_FULLTEXT_MAX_GB", "10")
    if not 0 <= max_gb <= 1e6:  # (NaN and inf too)
        raise ConfigError(f"PAPERBOY_FULLTEXT_MAX_GB={max_gb!r}{v.where('PAPERBOY_FULLTEXT_MAX_GB')}: "
                          "a size in GB, from 0 to 1000000")
    sources = _split(v.text("PAPERBOY_FETCH_SOURCES", "hf arxiv").lower())
    unknown = [s for s in sources if s not in ("hf", "arxiv")]
    if unknown:
        raise ConfigError(f"PAPERBOY_FETCH_SOURCES: unknown source {unknown[0]!r} (use hf, arxiv)")
    return FetchSettings(
        categories=_split(v.text("PAPERBOY_ARXIV_CATEGORIES", "")),
        every=every,
        sources=sources,
        hf_days=max(1, _number(v, "PAPERBOY_HF_DAYS", "3", int)),
        arxiv_url=v.text("PAPERBOY_ARXIV_URL", FetchSettings.arxiv_url),
        hf_url=v.text("PAPERBOY_HF_URL", FetchSettings.hf_url).rstrip("/"),
        arxiv_delay=_number(v, "PAPERBOY_ARXIV_DELAY", "3"),
        hf_delay=_number(v, "PAPERBOY_HF_DELAY", "1"),
        timeout=max(0.1, _number(v, "PAPERBOY_FETCH_TIMEOUT", "30")),
        retries=_number(v, "PAPERBOY_FETCH_RETRIES", "5", int),
        enrich_every=enrich_every,
        arxiv_html_url=v.text("PAPERBOY_ARXIV_HTML_URL", FetchSettings.arxiv_html_url).strip().rstrip("/"),
        fulltext=fulltext,
        fulltext_max_bytes=int(max_gb * 1000**3),
        enrich_sources=_split(v.text("PAPERBOY_ENRICH_SOURCES", "").lower()),
        github_url=v.text("PAPERBOY_GITHUB_URL", FetchSettings.github_url).rstrip("/"),
        github_token=v.get("PAPERBOY_GITHUB_TOKEN") or None,
        github_delay=_number(v, "PAPERBOY_GITHUB_DELAY", "1" if v.get("PAPERBOY_GITHUB_TOKEN") else "60"),
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
    log_level: str = "info"
    log_format: str = "auto"  # text on a terminal, JSON otherwise
    forwarded_allow_ips: str = "127.0.0.1"
    db_memory: dict[str, int] = field(default_factory=dict)  # not auto: bytes by PostgreSQL name
    serve_embed: bool = True  # what `serve` handed its worker processes (hand_off_to_workers)
    serve_fetch: bool = True
    read_timeout: float = 20.0  # seconds a client may take to send a request's headers, or its body
    topics_every: float | None = 6 * 3600  # seconds between serve's topic builds; None: off



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
    imports_per_hour: int = 10  # library imports (each parses a file of up to 5 MB)


@dataclass(frozen=True)
class RecommendSettings:
    """For you: how many recent days its picks come from when no period is asked for."""

    days: int = 14


def _interval(v: Values, name: str, default: str) -> float | None:
    try:
        return parse_interval(v.text(name, default))
    except ValueError as e:
        raise ConfigError(f"{name}: {e}") from None


def _recommend(v: Values) -> RecommendSettings:
    days = _number(v, "PAPERBOY_FOR_YOU_DAYS", "14", int)
    if days < 1:
        raise ConfigError("PAPERBOY_FOR_YOU_DAYS must be at least 1 day")
    return RecommendSettings(days=days)


def _community(v: Values) -> CommunitySettings:
    raw = v.text("PAPERBOY_SIGNUP", "invite").strip()
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
        session_days=_days(v, "PAPERBOY_SESSION_DAYS", "30"),
        submit_per_day=_number(v, "PAPERBOY_SUBMIT_PER_DAY", "10", int),
        votes_per_minute=_number(v, "PAPERBOY_VOTES_PER_MINUTE", "60", int),
        comments_per_hour=_number(v, "PAPERBOY_COMMENTS_PER_HOUR", "30", int),
        imports_per_hour=_number(v, "PAPERBOY_IMPORTS_PER_HOUR", "10", int),
    )


def _days(v: Values, name: str, default: str) -> float:
    days = _number(v, name, default)
    if days <= 0:
        raise ConfigError(f"{name} must be more than 0 days")
    return days


def _digest(v: Values) -> DigestSettings:
    return DigestSettings(
        subscribe_per_client=_number(v, "PAPERBOY_SUBSCRIBE_PER_CLIENT", "5", int),
        subscribe_per_mailbox=_number(v, "PAPERBOY_SUBSCRIBE_PER_MAILBOX", "3", int),
        subscribe_per_domain=_number(v, "PAPERBOY_SUBSCRIBE_PER_DOMAIN", "50", int),
        subscribe_per_hour=_number(v, "PAPERBOY_SUBSCRIBE_PER_HOUR", "200", int),
        preferences_link_days=_days(v, "PAPERBOY_PREFERENCES_LINK_DAYS", "90"),
        unsubscribe_link_days=_days(v, "PAPERBOY_UNSUBSCRIBE_LINK_DAYS", "365"),
    )


def _smtp(v: Values) -> SMTPSettings | None:
    host = v.get("PAPERBOY_SMTP_HOST")
    if not host:
        return None
    security = v.text("PAPERBOY_SMTP_SECURITY", "starttls").lower()
    default_port = {"ssl": 465, "none": 25}.get(security, 587)
    return SMTPSettings(
        host=host,
        port=_number(v, "PAPERBOY_SMTP_PORT", str(default_port), int),
        security=security,
        user=v.get("PAPERBOY_SMTP_USER") or None,
        password=v.get("PAPERBOY_SMTP_PASSWORD") or None,
    )


def trusted_hosts(base_url: str, v: Values | None = None) -> tuple[str, ...]:
    """PAPERBOY_TRUSTED_HOSTS, or the base URL's host and this machine's own names."""
    given = _split(((v or Values()).text("PAPERBOY_TRUSTED_HOSTS", "")).lower())
    if given:
        return given
    own = urlsplit(base_url).hostname
    return tuple(dict.fromkeys([*([own] if own else []), "localhost", "127.0.0.1", "::1"]))


def load() -> Config:
    """The effective settings (environment, then PAPERBOY_CONFIG's file, then defaults)."""
    return load_with_sources()[0]


LOG_LEVELS = ("debug", "info", "warning", "error")


def _choice(v: Values, name: str, default: str, choices: tuple[str, ...]) -> str:
    value = v.text(name, default).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name}={value!r}: use {', '.join(choices)}")
    return value


def load_with_sources(environ=None) -> tuple[Config, Values]:
    """The settings and where each came from (for `paperboy config`)."""
    v = Values(environ)
    home = v.text("PAPERBOY_HOME", "~/.local/share/paperboy")
    base_url = v.text("PAPERBOY_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    cfg = Config(
        database_url=v.get("DATABASE_URL") or None,
        home=Path(home).expanduser().resolve(),
        host=v.text("PAPERBOY_HOST", "127.0.0.1"),
        port=_number(v, "PAPERBOY_PORT", "8000", int),
        cache_seconds=_number(v, "PAPERBOY_CACHE_SECONDS", "1"),
        rate_limit=_number(v, "PAPERBOY_RATE_LIMIT", "20"),
        rate_burst=_number(v, "PAPERBOY_RATE_BURST", "120", int),
        base_url=base_url,
        secret_key=v.get("PAPERBOY_SECRET_KEY") or None,
        smtp=_smtp(v),
        mail_from=v.text("PAPERBOY_MAIL_FROM", "paperboy <paperboy@localhost>"),
        fetch=_fetch(v),
        digest=_digest(v),
        community=_community(v),
        recommend=_recommend(v),
        cache_bytes=int(_number(v, "PAPERBOY_CACHE_MB", "64") * 1024 * 1024),
        trusted_hosts=trusted_hosts(base_url, v),
        import_max_bytes=max(1, _number(v, "PAPERBOY_IMPORT_MAX_MB", "1024", int)) * 1024 * 1024,
        log_level=_choice(v, "PAPERBOY_LOG_LEVEL", "info", LOG_LEVELS),
        log_format=_choice(v, "PAPERBOY_LOG_FORMAT", "auto", ("auto", "json", "text")),
        # uvicorn splits on commas only: spaces or a TOML list would silently trust no proxy
        forwarded_allow_ips=",".join(_split(v.text("PAPERBOY_FORWARDED_ALLOW_IPS", "127.0.0.1")))
        or "127.0.0.1",
        db_memory=db_memory(v),
        read_timeout=max(0.1, _number(v, "PAPERBOY_READ_TIMEOUT", "20")),
        topics_every=_interval(v, "PAPERBOY_TOPICS_EVERY", "6h"),
        serve_embed=os.environ.get(_HANDOFF_EMBED, "1") == "1",
        serve_fetch=os.environ.get(_HANDOFF_FETCH, "1") == "1",
    )
    v.get("PAPERBOY_CONFIG")  # recorded, so the report shows which file was read
    return cfg, v
