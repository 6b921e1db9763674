"""The background jobs of `paperboy serve`: keeps the keyword index (and the passage index,
within the full-text budget) in step with the database, embeds papers that lack a vector (a small batch at a time) and computes the
keyphrases of those that lack them (from the vectors just made), once a minute
composes and sends the email digests that are due, refits the For you models of members
whose signals changed, and on its own thread fetches new
papers from Hugging Face and arXiv when PAPERBOY_FETCH_EVERY says and, between fetches,
completes papers from their sources (enrich/, every PAPERBOY_ENRICH_EVERY), and on a third
rebuilds the topics every PAPERBOY_TOPICS_EVERY (topics/, a minute of CPU at 75,000 papers), so
one instance needs no cron.

With several web workers (or several machines on one database) only one embeds at a time
(an advisory lock); each keeps its own keyword index folder synced.

Stopping (serve's shutdown) lets each job end between two steps: a fetch after the request
it is waiting for (the page stored with the position of the next, the run marked
interrupted, resumed at the next start), the digests after the message being sent (recorded
as sent; the rest stay queued), embedding after its batch.
"""

from __future__ import annotations

import logging
import threading
import time

from paperboy import config, embeddings, enrich, fetch, recommend
from paperboy.db import Database, changes, locks
from paperboy.digest import compose, outbox, subscriptions
from paperboy.digest.compose import now_utc
from paperboy.keyphrases import store as keyphrase_store
from paperboy.library import embed as library_embed
from paperboy.library import matching as library_matching
from paperboy.passages.upkeep import upkeep as text_upkeep
from paperboy.search import Searcher
from paperboy.topics import build as topic_build

log = logging.getLogger(__name__)
SHUTDOWN_WAIT = 30.0  # seconds serve's shutdown waits, in all, for jobs to end their step
DIGEST_EVERY = 60.0
FETCH_CHECK = 30.0
TOPICS_CHECK = 60.0  # seconds between looks at whether a topic build is due
REFIT_BATCH = 50  # For you models refit per round  # seconds between looks at whether a fetch is due
ENRICH_ROUND = 300  # papers enriched per round, between two looks at the fetch schedule
KEYPHRASE_BATCH = 16  # papers' keyphrases per round (~0.2 CPU s each)
SWEEP_EVERY = 600.0  # seconds: with no paper changed, how often the embed job still looks


class BackgroundJobs:
    def __init__(self, db: Database, searcher: Searcher, every: float = 5.0, embed: bool = True,
                 digests: bool = True, clock=None, fetch: bool = True,
                 cfg: config.Config | None = None) -> None:
        self.cfg = cfg or config.load()  # settings are read once per process

        self.clock = clock or now_utc
        self.db = db
        self.searcher = searcher
        self.index = searcher.index
        self.every = every
        self.embed = embed
        # (what had been written, when) at a round with nothing to embed (db/changes.py)
        self._quiet: tuple[changes.Mark, float] | None = None
        self._quiet_phrases: tuple[tuple[changes.Mark, int], float] | None = None  # the same for keyphrases
        self.digests = digests
        self.last_digest = 0.0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="paperboy-jobs", daemon=True)
        self.fetch = fetch
        self.fetch_thread = threading.Thread(target=self._fetch_loop, name="paperboy-fetch", daemon=True)
        self._enriched = -float("inf")  # when the last enrichment round found nothing more to do
        self.topics_thread = threading.Thread(target=self._topics_loop, name="paperboy-topics", daemon=True)

    def start(self) -> None:
        self.thread.start()
        if self.fetch:
            self.fetch_thread.start()
        if self.cfg.topics_every:
            self.topics_thread.start()

    def halt(self) -> None:
        """Ask every job to end after its current step; returns at once (``join`` waits)."""
        self.stop_event.set()

    def join(self, timeout: float = 30) -> bool:
        """Wait, at most ``timeout`` seconds in all, for the jobs to end; whether they did."""
        deadline = time.monotonic() + timeout
        threads = (self.thread, self.fetch_thread, self.topics_thread)
        for thread in threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in threads)

    def stop(self, timeout: float = 30) -> bool:
        self.halt()
        return self.join(timeout)

    def _fetch_loop(self) -> None:
        """Fetch each source when its time comes, and enrich papers between fetches. Runs are
        long (arXiv wants 3 s between requests), so they get their own thread: the index,
        embeddings and digests go on. One thread for both keeps this process's requests to
        arXiv one at a time, at the polite rate."""
        while not self.stop_event.is_set():
            check = FETCH_CHECK
            cfg = self.cfg
            try:
                if cfg.fetch.every:
                    check = min(FETCH_CHECK, max(0.5, cfg.fetch.every / 2))
                    fetch.run_due(self.db, cfg, stop=self.stop_event)
            except Exception:  # keep serving; the next check retries
                log.exception("scheduled fetch failed")
            if cfg.fetch.enrich_every and not self.stop_event.is_set():
                check = min(check, max(0.5, cfg.fetch.enrich_every / 2))
                if self.enrich_round():
                    continue  # more is due: go on after the fetch schedule had its look
            self.stop_event.wait(check)

    def _topics_loop(self) -> None:
        """Rebuild the topics when PAPERBOY_TOPICS_EVERY has passed since the last build (of
        any process: the build is recorded in the database, under the TOPICS lock)."""
        while not self.stop_event.wait(min(TOPICS_CHECK, self.cfg.topics_every or TOPICS_CHECK)):
            try:
                topic_build.run_due(self.db, self.cfg.topics_every, stop=self.stop_event)
            except Exception:  # keep serving; the next check retries
                log.exception("topic build failed")

    def enrich_round(self) -> bool:
        """Enrich up to ENRICH_ROUND papers when PAPERBOY_ENRICH_EVERY has passed since the
        last round that found nothing to do; True when that many were done (more may be due)."""
        every = self.cfg.fetch.enrich_every
        if every is None or time.monotonic() - self._enriched < every:
            return False
        try:
            outcome = enrich.run(self.db, self.cfg, limit=ENRICH_ROUND, stop=self.stop_event, background=True)
        except Exception:  # keep serving; the next round retries
            log.exception("enrichment failed")
            outcome = None
        if outcome is not None and outcome.papers:
            log.info("enriched %s", ", ".join(f"{n}: {k} done" for n, k in outcome.done.items()) or "nothing")
        for error in outcome.errors if outcome is not None else ():
            log.warning("enrichment: %s", error)
        busy = outcome is not None and outcome.papers >= ENRICH_ROUND
        if not busy:
            self._enriched = time.monotonic()
        return busy

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
        """One round: sync the index, send due digests (once a minute), embed one batch,
        refit the For you models that are stale. True when there is more to do."""
        if self.digests and time.monotonic() - self.last_digest >= DIGEST_EVERY:
            self.last_digest = time.monotonic()
            self.send_digests()
        if self.stop_event.is_set():
            return False
        with self.db.connection() as conn:
            self.index.sync(conn)
            # the full-text budget, then the passages of the texts stored (or evicted) since
            text_upkeep(conn, self.searcher.passages, self.cfg.fetch.fulltext_max_bytes)
            embedded = self.embed_batch(conn) if self.embed else False
            refits = 0 if self.stop_event.is_set() else self.refit_models(conn)
            return embedded or refits >= REFIT_BATCH

    def embed_batch(self, conn) -> bool:
        """Embed a batch of papers and of library-only entries; whether any was."""
        got = locks.try_lock(conn, locks.EMBED)
        conn.commit()
        if not got:
            return False
        try:
            stats = self._embed_papers(conn)
            entries = library_embed.embed_pending(conn, batch=32, limit=32)  # library-only entries
            phrases = 0 if self.stop_event.is_set() else self._keyphrases(conn)
        finally:
            locks.unlock(conn, locks.EMBED)
            conn.commit()
        if stats.embedded:  # (the new vectors bumped data_version: similar papers changed)
            library_matching.rematch(conn)  # library-only entries whose paper just arrived
        return stats.embedded > 0 or entries > 0 or phrases > 0

    def _keyphrases(self, conn) -> int:
        """A batch of papers' keyphrases (after the batch of vectors they reuse). Like
        embedding, once a round finds none to do, the next look waits for a changed paper
        or vector (db/changes.py, embeddings_version), or SWEEP_EVERY."""
        version = conn.execute("SELECT version FROM embeddings_version").fetchone()
        version = (version["version"] if version else 0) or 0
        quiet = self._quiet_phrases
        if quiet is not None and quiet[0][1] == version and not changes.changed_since(conn, quiet[0][0]) \
                and time.monotonic() - quiet[1] < SWEEP_EVERY:
            conn.commit()
            return 0
        mark = (changes.newest(conn), version)
        conn.commit()
        done = keyphrase_store.compute_pending(conn, batch=KEYPHRASE_BATCH, limit=KEYPHRASE_BATCH).computed
        self._quiet_phrases = (mark, time.monotonic()) if not done else None
        return done

    def _embed_papers(self, conn) -> embeddings.EmbedStats:
        """A batch of papers' vectors. Finding the papers without one reads every paper (1.3 s
        at a million); so once a round finds none, the next rounds look again only when a
        paper was written since (on two indexes), even by a transaction that was still open
        during the look (db/changes.py), or SWEEP_EVERY later, whatever happens."""
        quiet = self._quiet
        if quiet is not None and not changes.changed_since(conn, quiet[0]) \
                and time.monotonic() - quiet[1] < SWEEP_EVERY:
            conn.commit()
            return embeddings.EmbedStats()
        newest = changes.newest(conn)  # before the look: what it vouches for
        conn.commit()
        stats = embeddings.embed_pending(conn, batch=32, limit=32)
        self._quiet = (newest, time.monotonic()) if not stats.embedded else None
        return stats

    def refit_models(self, conn) -> int:
        """Refit the For you models of members whose signals changed (a batch a round; one
        process at a time). Never done in a request: a vote answers at once, the model
        follows within a round of this loop."""
        if not locks.try_lock(conn, locks.RECOMMEND):
            conn.commit()
            return 0
        try:
            return recommend.refresh_stale(conn, limit=REFIT_BATCH)
        finally:
            locks.unlock(conn, locks.RECOMMEND)
            conn.commit()

    def send_digests(self) -> None:
        cfg = self.cfg
        with self.db.connection() as conn:
            got = locks.try_lock(conn, locks.DIGEST)
            conn.commit()
            if not got:
                return  # another process of this instance is on it
            try:
                ctx = compose.Context(
                    base_url=cfg.base_url, secret=subscriptions.secret_key(conn, cfg.secret_key),
                    sender=cfg.mail_from, now=self.clock(), searcher=self.searcher,
                    latest=compose.latest_day(conn))
                stats = compose.compose_due(conn, ctx)
                if stats.composed:
                    log.info("composed %d digests", stats.composed)
                forgotten = outbox.forget_sent_messages(conn)
                if forgotten:
                    log.info("emptied %d messages sent over %d days ago", forgotten, outbox.KEEP_DAYS)
            finally:
                locks.unlock(conn, locks.DIGEST)
                conn.commit()
        outbox.send_now(self.db, cfg, stop=self.stop_event)


def shut_down(jobs: BackgroundJobs | None, mailer, wait: float = SHUTDOWN_WAIT) -> bool:
    """serve's shutdown: tell the mailer (web/app.py's, a digest/outbox.Mailer) and the jobs
    to stop at once, then wait for them together, ``wait`` seconds at most. Whatever is
    still going then is cut off by the exit, and picked up again at the next start (a fetch
    from its saved position, an unsent message from the outbox). Whether all ended in time."""
    mailer.halt()
    if jobs is not None:
        jobs.halt()
    log.info("stopping: background jobs end after their current step (waiting %g s at most)", wait)
    deadline = time.monotonic() + wait
    done = mailer.join(wait)
    if jobs is not None:
        done = jobs.join(max(0.0, deadline - time.monotonic())) and done
    if not done:
        log.warning("stopping: a background job did not end within %g s; it is cut off, and "
                    "picked up again at the next start", wait)
    return done
