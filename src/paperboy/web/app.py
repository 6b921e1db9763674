"""The app factory. Routes parse the request, call one feature function, render."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from paperboy.db import Database
from paperboy.papers import store

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescapes .html


def create_app(db: Database) -> FastAPI:
    app = FastAPI(title="paperboy", docs_url="/docs", redoc_url=None)
    app.state.db = db
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def latest(request: Request) -> HTMLResponse:
        with db.connection() as conn:
            day = store.latest_day(conn)
            papers = store.papers_listed_on(conn, day) if day else []
            total = store.count(conn)
        return templates.TemplateResponse(
            request, "feed.html", {"day": day, "papers": papers, "total": total}
        )

    return app
