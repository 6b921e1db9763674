"""The status page and its JSON twin: what the hub holds, what it fetches and when, and how
each run went (the report itself is :mod:`paperboy.status`, shared with `paperboy status`).

Read-only and free of secrets (no settings values beyond the schedule, no addresses, no
paths of this host), so it needs no login; it is never cached, and search engines are asked
not to index it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response

from paperboy import status
from paperboy.fetch.runs import NAMES
from paperboy.web.templating import html

router = APIRouter(include_in_schema=False)

FETCH_RUNS = 25  # the page has room for more runs than the terminal


def _report(request: Request) -> status.Status:
    with request.app.state.db.connection() as conn:
        # This node's own index (the app's, which a test may place outside PAPERBOY_HOME).
        return status.report(conn, request.app.state.config, index=request.app.state.searcher.index,
                             fetch_runs=FETCH_RUNS)


def _uncached(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/admin/status", response_class=HTMLResponse)
def status_page(request: Request) -> Response:
    return _uncached(html(request, "admin_status.html", {"report": _report(request), "names": NAMES}))


@router.get("/admin/status.json")
def status_json(request: Request) -> Response:
    return _uncached(JSONResponse(jsonable_encoder(_report(request).public())))
