"""The vector leg of a search (query encoding + pgvector) on threads and connections of its
own, so that it runs while the request's thread runs the keyword leg: the whole search then
costs about the slower leg instead of the sum of both. Its connections are its own, so a
search never waits for a second connection from the pool its request already holds one of.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg

from paperboy import embeddings
from paperboy.db import Database
from paperboy.search import semantic
from paperboy.search.keyword import Filters

log = logging.getLogger(__name__)


@dataclass
class Pending:
    """A vector search under way: its query's vector as soon as it is encoded (the request's
    thread ranks the keyword matches by it while the HNSW probe runs), then (vector, hits)."""
    hits: Future
    vector: Future = field(default_factory=Future)


class VectorLeg:
    """Up to ``workers`` vector searches at once, started on first use; ``later`` runs other
    slow reads (the embedding status) on the same threads."""

    def __init__(self, url: str, workers: int = 4) -> None:
        self.url, self.workers = url, workers
        self._db: Database | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _start(self) -> None:
        with self._lock:
            if self._threads is None:
                self._db = Database(self.url, min_size=1, max_size=self.workers).open()
                self._threads = ThreadPoolExecutor(self.workers, thread_name_prefix="vector-leg")

    def submit(self, text: str, filters: Filters | None, depth: int) -> Pending:
        self._start()
        assert self._threads is not None
        vector: Future = Future()
        return Pending(self._threads.submit(self._run, text, filters, depth, vector), vector)

    def later(self, work: Callable[[psycopg.Connection], object]) -> None:
        """Run ``work`` on a connection of this leg's, off the caller's thread (errors logged)."""
        def run() -> None:
            assert self._db is not None
            try:
                with self._db.connection() as conn:
                    work(conn)
            except Exception:
                log.warning("background search work failed", exc_info=True)
        self._start()
        assert self._threads is not None
        self._threads.submit(run)

    def _run(self, text: str, filters: Filters | None, depth: int,
             published: Future) -> tuple[Any, list[tuple[str, float]]]:
        try:
            vector = embeddings.encode_query(text)
        except BaseException as e:
            published.set_exception(e)
            raise
        published.set_result(vector)
        assert self._db is not None
        with self._db.connection() as conn:
            return vector, semantic.nearest(conn, vector, filters, depth)

    def close(self) -> None:
        with self._lock:
            if self._threads:
                self._threads.shutdown(wait=True)
            if self._db:
                self._db.close()
            self._threads = self._db = None
