"""The page templates and the one helper routes render them with.

Its own module so routers and the app factory both import it, and neither imports the
other (the helper used to live in app.py, which imports the routers).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from paperboy import __version__, trending
from paperboy.follows.store import author_href
from paperboy.papers.hub_view import hub_url
from paperboy.papers.labels import source_labels
from paperboy.papers.limits import safe_url

HERE = Path(__file__).parent


def here(request: Request, **params: object) -> str:
    """This page's address with ``params`` changed, relative to the site: an absolute URL
    would carry whatever Host header the request named."""
    url = request.url.include_query_params(**params)
    return f"{url.path}?{url.query}"


def me(request: Request):
    """The signed-in member (web/auth.py), or None; always None while a shared, cacheable
    page is rendered (web/cache.py), which web/personal.py then makes personal."""
    return getattr(request.state, "member", None)


def csrf(request: Request) -> str:
    """The session's form token for the forms of a page ("" for no one)."""
    return getattr(request.state, "csrf", "") or ""


def slot(name: str, arg: object = "") -> Markup:
    """The opening marker of a personal slot (web/personal.py), ``arg`` escaped."""
    return Markup(f"<!--slot:{name} {escape(str(arg))}-->" if arg != "" else f"<!--slot:{name}-->")


def endslot(name: str) -> Markup:
    """The closing marker of a personal slot."""
    return Markup(f"<!--/slot:{name}-->")


templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescapes .html
templates.env.globals.update(version=__version__, trending_line=trending.ONE_LINE,
                             code_trending_line=trending.CODE_LINE, here=here, me=me, csrf=csrf,
                             slot=slot, endslot=endslot)
# Every href made from stored data goes through safe_url: a javascript: link stored by an
# older version (or a parser's bug) is left out rather than written into the page.
templates.env.globals["hub_url"] = hub_url  # a model's, dataset's or Space's page on the Hub
templates.env.filters["safe_url"] = safe_url
templates.env.filters["sources"] = source_labels  # "hf-daily" as readers say it
templates.env.filters["author_href"] = author_href  # an author's page (/authors/{name}, escaped)


def twin(path: str, **params: object) -> str:
    """The address of a page's JSON twin: ``path`` with the ``params`` that are set."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{path}?{query}" if query else path


def html(request: Request, name: str, context: dict, status: int = 200, json: str | None = None) -> HTMLResponse:
    """Render the page template ``name`` as the answer to ``request``. ``json``: the address
    of the page's JSON twin (the same data), which the page then announces twice: a
    ``<link rel="alternate" type="application/json">`` in its head and a ``Link`` header."""
    response = templates.TemplateResponse(request, name, {**context, "json_twin": json}, status_code=status)
    if json:
        response.headers.append("Link", f'<{json}>; rel="alternate"; type="application/json"')
    return response
