"""The app factory: pages, JSON API and Atom feeds over one database.

Routes parse the request, call one feature function, and render a template or JSON.
"""

from __future__ import annotations

import dataclasses
import functools
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.routing import BaseRoute

from paperboy import __version__, config, logs
from paperboy.db import Database, open_database
from paperboy.digest.outbox import Mailer
from paperboy.digest.subscriptions import secret_key
from paperboy.jobs import BackgroundJobs, shut_down
from paperboy.mcp_server import http as mcp_http
from paperboy.ratelimit import Limits
from paperboy.ratelimit.policies import REQUESTS
from paperboy.recommend import corpus as recommend_corpus
from paperboy.search import Searcher
from paperboy.web import errors
from paperboy.web.auth import Members
from paperboy.web.bodies import Bodies
from paperboy.web.cache import Personalised, ResponseCache, known_params
from paperboy.web.compress import GzipLarge
from paperboy.web.headers import SecurityHeaders, TrustedHosts
from paperboy.web.personal import Personaliser
from paperboy.web.ratelimit import RateLimit
from paperboy.web.requestlog import RequestLog
from paperboy.web.routes import ROUTERS, apidocs, collection_pages, comments, follows, submit, votes
from paperboy.web.templating import HERE


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


@functools.cache
def _routes() -> tuple[BaseRoute, ...]:
    """Every router of ROUTERS (web/routes/__init__.py), included once per process and shared by
    every app the process makes. On its first request, an app's FastAPI analyses each route's
    endpoint again (its parameters, dependencies, response model): about 70 ms of CPU for our
    268 routes, which a server pays once, but the test suite, with an app for nearly every
    test, paid some 17 s of it in tests/web and tests/community alone. Included here, that
    analysis is kept on these routes. The routers are module-level already and change after
    import in no process; nothing per-app (settings, database) is in them: routes read those
    from ``request.app.state``. (So ``app.dependency_overrides`` would not reach them; nothing
    here uses it.)"""
    table = APIRouter()
    for router in ROUTERS:  # one list, in the order routes are tried
        table.include_router(router)
    return tuple(table.routes)


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
    recommend_corpus.CACHE.share(home or cfg.home)  # For you's vectors: one mapped file a node
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
        async with app.state.mcp.run():  # the MCP server's sessions (mcp_server/http.py)
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
    app.state.secret = secret  # signs email links and form tokens (web/routes/subscribe.py)
    app.state.config = cfg  # read once per process; routes use this, never config.load()
    app.state.mailer = Mailer(db, cfg)  # sends what requests queue, off the request
    # Every rate limit (ratelimit/policies.py), counted in the database: one limit for all workers.
    app.state.limits = Limits(db, cfg if rate_limit is None else dataclasses.replace(cfg, rate_limit=rate_limit))
    # The other per-process objects, made here, not on first use under module locks.
    app.state.submit_lookup = submit.Lookup(cfg)  # reads a submitted paper from arXiv
    app.state.vote_marks = votes.Marks()  # what this worker knows of members' votes
    # The personal parts of shared pages (web/personal.py): each slot the templates mark, by
    # name, with its filler, and the hooks that run on a member's whole page.
    app.state.personaliser = Personaliser(
        slots={"vote": votes.press_upvoted, "save": collection_pages.save_box,
               "follow": follows.follow_buttons}, hooks=[comments.reveal])
    # Read once: absolute links in feeds and Link headers start here, never at the Host header.
    app.state.base_url = (base_url or cfg.base_url).rstrip("/")
    if trusted_hosts is None:
        trusted_hosts = config.trusted_hosts(app.state.base_url) if base_url else cfg.trusted_hosts
    app.state.mcp = mcp_http.mount(app)  # /mcp: MCP over streamable HTTP (docs/mcp.md)
    app.mount("/static/swagger-ui", CachedStatic(directory=apidocs.SWAGGER_UI), name="swagger-ui")
    app.mount("/static", CachedStatic(directory=str(HERE / "static")), name="static")

    errors.install(app)  # every refusal, HTTP error and crash answered one way

    app.router.routes.extend(_routes())  # ROUTERS, in the order routes are tried
    cache_seconds = cfg.cache_seconds if cache_seconds is None else cache_seconds
    known = known_params(r for router in ROUTERS for r in router.routes) if cache_seconds > 0 else None
    if known is not None:
        app.add_middleware(ResponseCache, db=db, known=known, check_every=cache_seconds,
                           max_bytes=cfg.cache_bytes)
    app.add_middleware(Personalised, known=known)  # the member's votes on other pages
    app.add_middleware(GzipLarge)  # the topic map's points, compressed outside the cache (web/compress.py)
    # Inside Members: a body is read only for someone the route lets in, and never past its limit.
    app.add_middleware(Bodies, routes=[r for router in ROUTERS for r in router.routes],
                       read_timeout=cfg.read_timeout)
    # Outside the cache: it needs to know who asks, to make shared pages personal.
    app.add_middleware(Members, db=db, secret=secret, settings=cfg.community)
    app.add_middleware(HeadAsGet)
    app.add_middleware(TrustedHosts, allowed=trusted_hosts)
    if app.state.limits.most(REQUESTS) > 0:  # a limited client costs nothing further
        app.add_middleware(RateLimit, limits=app.state.limits)
    app.add_middleware(SecurityHeaders)  # 429s and refused hosts get them too
    app.add_middleware(RequestLog)  # outermost: every request logged, with its id
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` worker processes: each opens its own pool, and reads
    from the settings what `paperboy serve` handed down (config.hand_off_to_workers)."""
    cfg = config.load()
    logs.configure(cfg.log_level, cfg.log_format)  # a new process: configure its logging too
    return create_app(open_database(cfg, later=True), background=True, background_embed=cfg.serve_embed,
                      background_fetch=cfg.serve_fetch, cfg=cfg)
