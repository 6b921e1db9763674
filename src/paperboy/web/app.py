"""The app factory: pages, JSON API and Atom feeds over one database.

Routes parse the request, call one feature function, and render a template or JSON.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from paperboy import __version__, config, logs
from paperboy.db import Database, open_database
from paperboy.digest.outbox import Mailer
from paperboy.digest.subscriptions import secret_key
from paperboy.jobs import BackgroundJobs, shut_down
from paperboy.ratelimit import Limits
from paperboy.ratelimit.policies import REQUESTS
from paperboy.search import Searcher
from paperboy.web import account, admin, api, apidocs, feeds, headers, pages, signin, subscribe
from paperboy.web import code as web_code
from paperboy.web import collection_pages as web_collection_pages  # registers Save slots
from paperboy.web import collections as web_collections
from paperboy.web import comments as web_comments  # also registers its personal.HOOKS hook
from paperboy.web import curation as web_curation
from paperboy.web import exports as web_exports
from paperboy.web import foryou as web_foryou
from paperboy.web import health as web_health
from paperboy.web import library as web_library
from paperboy.web import new as web_new
from paperboy.web import paper_md as web_paper_md
from paperboy.web import submit as web_submit
from paperboy.web import votes as web_votes  # also registers its personal.HOOKS hook
from paperboy.web.auth import Members
from paperboy.web.bodies import Bodies
from paperboy.web.cache import Personalised, ResponseCache, known_params
from paperboy.web.headers import SecurityHeaders, TrustedHosts
from paperboy.web.ratelimit import RateLimit
from paperboy.web.requestlog import RequestLog
from paperboy.web.templating import HERE, templates

log = logging.getLogger(__name__)


class CachedStatic(StaticFiles):
    """Static files with a long cache life; templates add ?v=<version> to bust it."""

    def file_response(self, *args, **kwargs) -> Response:  # type: ignore[override]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=604800"
        return response


class HeadAsGet:
    """Answer HEAD like GET without the body (feed readers and link checkers send HEAD)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def no_body(message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}  # headers (content-length) stay as for GET
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, no_body)


# Paths whose last part is a secret (a sign-in, confirmation or preferences link).
_SECRET_PATHS = re.compile(r"^/(signin|confirm|unsubscribe|preferences)/[^/]+")


def loggable(path: str) -> str:
    """A request path fit for a log: the secret part of an emailed link left out.

    >>> loggable("/signin/abc123"), loggable("/papers/2401.1")
    ('/signin/…', '/papers/2401.1')
    """
    return _SECRET_PATHS.sub(lambda m: f"/{m.group(1)}/…", path)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.endswith(".json")


def error_response(request: Request, status: int, message: str) -> Response:
    if wants_json(request):
        response: Response = JSONResponse({"error": message, "status": status}, status_code=status)
    else:
        response = templates.TemplateResponse(
            request, "error.html", {"status": status, "message": message}, status_code=status
        )
    if status >= 500:
        # A crash is answered outside every middleware (by Starlette's outermost error
        # handler), so this answer gets its security headers here.
        for name, value in headers.HEADERS:
            response.headers[name.decode()] = value.decode()
        if "request_id" in logs.bound():
            response.headers["X-Request-ID"] = logs.bound()["request_id"]
    return response


def _shown(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def _plain(error: dict) -> str:
    """One validation error in plain words, naming the field and what it takes (pydantic's
    own sentences, "Input should be a valid integer, unable to parse string as an integer",
    speak of inputs and parsing).

    >>> _plain({"type": "int_parsing", "loc": ("query", "page"), "input": "abc"})
    "page must be a whole number, not 'abc'"
    >>> _plain({"type": "less_than_equal", "loc": ("query", "limit"), "input": "500", "ctx": {"le": 100}})
    'limit must be at most 100'
    """
    where = ".".join(str(x) for x in error.get("loc", ()) if x not in ("query", "path", "body", "header"))
    name = where or "the request"
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    given = error.get("input")
    words = {
        "missing": f"{name} is required",
        "int_parsing": f"{name} must be a whole number, not {_shown(given)}",
        "int_from_float": f"{name} must be a whole number, not {_shown(given)}",
        "float_parsing": f"{name} must be a number, not {_shown(given)}",
        "bool_parsing": f"{name} must be true or false, not {_shown(given)}",
        "greater_than_equal": f"{name} must be at least {ctx.get('ge')}",
        "greater_than": f"{name} must be more than {ctx.get('gt')}",
        "less_than_equal": f"{name} must be at most {ctx.get('le')}",
        "less_than": f"{name} must be less than {ctx.get('lt')}",
        "literal_error": f"{name} must be one of {ctx.get('expected', '').replace(chr(39), '')}",
        "string_too_long": f"{name} must be at most {ctx.get('max_length')} characters",
        "string_too_short": f"{name} must be at least {ctx.get('min_length')} characters",
    }
    return words.get(kind) or (f"{name}: {error.get('msg', 'invalid')}" if where else error.get("msg", "invalid"))


def _validation_message(exc: RequestValidationError) -> str:
    return "; ".join(_plain(e) for e in exc.errors()) or "invalid request"


def create_app(
    db: Database,
    cache_seconds: float | None = None,
    rate_limit: float | None = None,
    home: Path | None = None,
    background: bool = False,
    background_embed: bool = True,
    background_fetch: bool = True,
    base_url: str | None = None,
    trusted_hosts: tuple[str, ...] | None = None,
    cfg: config.Config | None = None,
    parallel_search: bool | None = None,
) -> FastAPI:
    """The app over ``db``. ``cache_seconds`` and ``rate_limit`` default to their settings
    (PAPERBOY_CACHE_SECONDS, PAPERBOY_RATE_LIMIT; 0 turns either off); ``home`` (where the
    keyword index lives) to PAPERBOY_HOME; ``base_url`` (the start of every absolute link)
    to PAPERBOY_BASE_URL; ``trusted_hosts`` to PAPERBOY_TRUSTED_HOSTS. ``background`` runs
    the index/embedding worker. ``parallel_search`` (default: ``background``, i.e. a real
    server) runs each search's vector leg on connections of its own while the keyword leg
    runs. Settings are ``cfg``, or read once here."""
    cfg = cfg or config.load()
    with db.connection() as conn:
        parallel = background if parallel_search is None else parallel_search
        searcher = Searcher(home or cfg.home, conn, url=db.url if parallel else None)
        # Loaded once here: fetched inside a request, it would need a second pool connection
        # while the request holds one, and a burst of first requests would exhaust the pool.
        secret = secret_key(conn, cfg.secret_key)
    jobs = (BackgroundJobs(db, searcher, embed=background_embed, fetch=background_fetch, cfg=cfg)
            if background else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if jobs:
            jobs.start()
        yield
        shut_down(jobs, app.state.mailer)  # each ends after its current step, within bounds
        searcher.close()

    app = FastAPI(
        title="paperboy",
        version=__version__,
        description="Daily papers, trending and paper details, in the shape of the Hugging Face "
        "papers API. Errors are JSON: `{\"error\": message, \"status\": code}`.",
        docs_url=None,  # apidocs serves /docs from local files, under the CSP
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.searcher = searcher
    app.state.secret = secret  # signs email links and form tokens (web/subscribe.py)
    app.state.config = cfg  # read once per process; routes use this, never config.load()
    app.state.mailer = Mailer(db, cfg)  # sends what requests queue, off the request
    # Every rate limit (ratelimit/policies.py), counted in the database: one limit for all workers.
    app.state.limits = Limits(db, cfg if rate_limit is None else dataclasses.replace(cfg, rate_limit=rate_limit))
    # The other per-process objects, made here, not on first use under module locks.
    app.state.submit_lookup = web_submit.Lookup(cfg)  # reads a submitted paper from arXiv
    app.state.vote_marks = web_votes.Marks()  # what this worker knows of members' votes
    # Read once: absolute links in feeds and Link headers start here, never at the Host header.
    app.state.base_url = (base_url or cfg.base_url).rstrip("/")
    if trusted_hosts is None:
        trusted_hosts = config.trusted_hosts(app.state.base_url) if base_url else cfg.trusted_hosts
    app.mount("/static/swagger-ui", CachedStatic(directory=apidocs.SWAGGER_UI), name="swagger-ui")
    app.mount("/static", CachedStatic(directory=str(HERE / "static")), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = "There is no page at this address."
        response = error_response(request, exc.status_code, message)
        for name, value in (exc.headers or {}).items():  # Retry-After, WWW-Authenticate
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, _validation_message(exc))

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", loggable(request.url.path))
        return error_response(request, 500, "Something went wrong on our side.")

    routers = [web_health.router, web_submit.router, web_new.router, web_new.api, web_paper_md.router, web_votes.router, web_code.router, web_comments.router, web_curation.router, web_collections.router, web_collection_pages.router, web_exports.router, web_library.router, web_library.pages, web_foryou.router, web_foryou.api, api.router, feeds.router, subscribe.router, signin.router, account.router, account.api, admin.router, pages.router, apidocs.router]
    for router in routers:
        app.include_router(router)
    cache_seconds = cfg.cache_seconds if cache_seconds is None else cache_seconds
    if cache_seconds > 0:
        known = known_params(r for router in routers for r in router.routes)
        app.add_middleware(ResponseCache, db=db, known=known, check_every=cache_seconds,
                           max_bytes=cfg.cache_bytes)
    app.add_middleware(Personalised, cached=cache_seconds > 0)  # the member's votes on other pages
    # Inside Members: a body is read only for someone the route lets in, and never past its limit.
    app.add_middleware(Bodies, routes=[r for router in routers for r in router.routes],
                       read_timeout=cfg.read_timeout)
    # Outside the cache: it needs to know who asks, to make shared pages personal.
    app.add_middleware(Members, db=db, secret=secret, settings=cfg.community)
    app.add_middleware(HeadAsGet)
    app.add_middleware(TrustedHosts, allowed=trusted_hosts)
    if app.state.limits.most(REQUESTS) > 0:  # a limited client costs nothing further
        app.add_middleware(RateLimit, limits=app.state.limits)
    app.add_middleware(SecurityHeaders)  # 429s and refused hosts get them too
    app.add_middleware(RequestLog, loggable=loggable)  # outermost: every request logged, with its id
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` worker processes: each opens its own pool, and reads
    from the settings what `paperboy serve` handed down (config.hand_off_to_workers)."""
    cfg = config.load()
    logs.configure(cfg.log_level, cfg.log_format)  # a new process: configure its logging too
    return create_app(open_database(cfg), background=True, background_embed=cfg.serve_embed,
                      background_fetch=cfg.serve_fetch, cfg=cfg)
