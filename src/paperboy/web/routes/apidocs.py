"""/docs: the interactive API reference (Swagger UI), served from this instance.

FastAPI's own page loads Swagger UI from a CDN, unpinned, and starts it with an inline
script; both break the Content-Security-Policy (and trust a third party with every visitor).
Here the files come from the ``swagger-ui-bundle-v2`` package, mounted under
/static/swagger-ui/, and static/docs.js starts them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from paperboy.web.templating import html

SWAGGER_UI = str(swagger_ui_path)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins


@pages.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    return html(request, "docs.html", {"openapi_url": request.app.openapi_url})
