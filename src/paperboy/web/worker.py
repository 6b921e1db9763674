"""The background worker of `paperboy serve`: keeps the keyword index in step with the
database and embeds papers that lack a vector, a small batch at a time.

With several web workers (or several machines on one database) only one embeds at a time
(an advisory lock); each keeps its own keyword index folder synced.
"""

from __future__ import annotations

import logging
import threading

from paperboy import embeddings
from paperboy.db import Database
from paperboy.search.keyword import KeywordIndex

log = logging.getLogger(__name__)
_EMBED_LOCK = 0x70617065 + 2


class BackgroundJobs:
    def __init__(self, db: Database, index: KeywordIndex, every: float = 5.0, embed: bool = True) -> None:
        self.db = db
        self.index = index
        self.every = every
        self.embed = embed
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="paperboy-jobs", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        while not self.stop_event.is_set():
            busy = False
            try:
                busy = self.run_once()
            except Exception:  # keep serving; the next round retries
                log.exception("background job failed")
            if not busy:
                self.stop_event.wait(self.every)

    def run_once(self) -> bool:
        """One round: sync the index, embed one batch. True when there is more to do."""
        with self.db.connection() as conn:
            self.index.sync(conn)
            if not self.embed:
                return False
            got = conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (_EMBED_LOCK,)).fetchone()["ok"]
            conn.commit()
            if not got:
                return False
            try:
                stats = embeddings.embed_pending(conn, batch=32, limit=32)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_EMBED_LOCK,))
                conn.commit()
            if stats.embedded:
                from paperboy.papers.store import bump_version

                with conn.transaction():
                    bump_version(conn)  # similar papers and semantic results changed
            return stats.embedded > 0
