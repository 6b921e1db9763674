"""GET /healthz: for load balancers, monitors and `systemctl`-style checks (ops/health.py
says what is checked). Never cached; answered for any Host header (a load balancer asks by
address), and it names no host, path or secret."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from paperboy.ops import health

api = APIRouter()  # the HTTP API for programs (docs/api.md, /openapi.json)


class Migrations(BaseModel):
    current: bool
    database: int
    code: int


class Health(BaseModel):
    status: str
    version: str
    database: str
    database_ms: float | None = None
    migrations: Migrations | None = None
    last_fetch: dict[str, str | None] = {}
    outbox_backlog: int | None = None
    outbox_due: int | None = None
    outbox_oldest: str | None = None
    embedding_backlog: int | None = None
    enrichment_backlog: dict[str, dict[str, int]] = {}  # per source: pending, due (now), failed


@api.get("/healthz", response_model=Health, tags=["operations"],
            responses={503: {"model": Health, "description": "the database is unreachable or "
                             "its schema is not current"}})
def healthz(request: Request) -> Any:
    """`status` ok (200) or unavailable (503: the database cannot be reached, or migrations
    are pending or newer than this code). Also the last successful fetch of each source,
    the outbox backlog (messages not sent yet; due: those whose time has come) and the
    embedding backlog (papers without a vector) and the enrichment backlog per source (papers
    pending, due now, and given up after repeated failures)."""
    ok, report = health.check(request.app.state.db)
    return JSONResponse(report, status_code=200 if ok else 503,
                        headers={"Cache-Control": "no-store"})
