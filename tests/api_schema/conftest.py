"""A running `paperboy serve` over an instance with members (tests/security/world.py), and
its OpenAPI schema loaded by schemathesis."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import schemathesis
from hypothesis import strategies as st

from paperboy.db import Database
from tests.fetch.replay import EMPTY_FEED
from tests.security.server import serving
from tests.security.world import World, database, fill

# Requests per operation and role: PAPERBOY_SCHEMA_EXAMPLES (make fuzz sets a full size).
EXAMPLES = int(os.environ.get("PAPERBOY_SCHEMA_EXAMPLES", "25"))
# Generous limits: the run must meet the code behind them, not the per-member limiters.
LIMITS = {"PAPERBOY_RATE_LIMIT": "0", "PAPERBOY_VOTES_PER_MINUTE": "1000000",
          "PAPERBOY_COMMENTS_PER_HOUR": "1000000", "PAPERBOY_SUBMIT_PER_DAY": "1000000",
          "PAPERBOY_CACHE_SECONDS": "0", "PAPERBOY_ARXIV_DELAY": "0"}


class EmptyArxiv(BaseHTTPRequestHandler):
    """arXiv for submissions: it has no paper at all (an empty feed, as arXiv answers an id
    it does not know), so no request leaves the machine."""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        body = EMPTY_FEED.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@dataclass
class Instance:
    base: str
    world: World
    log: Path  # the server's output: a 500's traceback is there


@pytest.fixture(scope="module")
def instance(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    arxiv = ThreadingHTTPServer(("127.0.0.1", 0), EmptyArxiv)
    threading.Thread(target=arxiv.serve_forever, daemon=True).start()
    with database(pg_server, "api") as url:
        db = Database(url, max_size=2).open()
        with db.connection() as conn:
            world = fill(conn)
        db.close()
        home = tmp_path_factory.mktemp("api-home")
        try:
            with serving(url, home, **LIMITS,
                         PAPERBOY_ARXIV_URL=f"http://127.0.0.1:{arxiv.server_port}/api/query") as base:
                yield Instance(base, world, home / "serve.log")
        finally:
            arxiv.shutdown()


@pytest.fixture(scope="module")
def api_schema(instance: Instance):
    schema = schemathesis.openapi.from_url(f"{instance.base}/openapi.json")
    w = instance.world
    known = {"paper_id": w.papers[:30], "collection_id": [w.ada.private, w.ada.public, w.bob.private],
             "comment_id": [w.ada.comment, w.bob.comment], "entry_id": [w.ada.entry, w.bob.entry]}

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        """Half the time, a real id in place of a generated one: the run reaches past the 404s."""
        if not isinstance(path_parameters, dict):
            return st.just(path_parameters)
        return st.fixed_dictionaries({
            k: st.sampled_from([v, *known[k]]) if k in known else st.just(v)
            for k, v in path_parameters.items()})

    return schema
