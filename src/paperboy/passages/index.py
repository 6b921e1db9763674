"""The passage index: papers' full texts cut into passages (split.py), in a tantivy index of
their own at ``{home}/passages/{database}-{key}``, derived from PostgreSQL as the abstract
index is (search/keyword.py): keyed by the paper's unchanging ``seq``, fed from the
``fulltexts`` rows whose ``change_seq`` is above the folder's watermark, in committed batches,
so it resumes after a crash and can be deleted and rebuilt at any time.

A text replaced, evicted by the budget (fulltext/budget.py) or gone has its passages removed
at the next sync; until then a search checks that each hit's paper still has its text.
One process syncs at a time (the advisory lock ``locks.PASSAGES``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import tantivy

from paperboy.db import locks
from paperboy.fulltext.convert import Heading
from paperboy.passages.split import split
from paperboy.search.keyword import _ANALYZERS, index_dir

BATCH = 50  # texts per committed batch (a text is up to ~2,000 passages)
SCHEMA_VERSION = 1
BOOSTS = {"text": 1.0, "section": 0.5}
_BARE = re.compile(r"\w+")
log = logging.getLogger(__name__)


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("seq", stored=True, indexed=True, fast=True)  # the paper's
    b.add_integer_field("n", stored=True)
    b.add_text_field("section", stored=True, tokenizer_name="en_stem")
    b.add_text_field("anchor", stored=True, tokenizer_name="raw")
    b.add_text_field("text", stored=True, tokenizer_name="en_stem")
    return b.build()


@dataclass(frozen=True)
class Hit:
    seq: int  # the paper's
    score: float
    n: int
    section: str
    anchor: str
    text: str


def passage_dir(home: Path, conn: psycopg.Connection) -> Path:
    """The folder of this database's passage index: named as its abstract index's folder
    (search/keyword.index_dir: a restored database gets a fresh one), under passages/."""
    return home / "passages" / index_dir(home, conn).name


class PassageIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.meta_path = path / "paperboy-sync.json"
        self.schema = _schema()
        self._index: tantivy.Index | None = None
        self._seen_meta: float = 0.0

    def _meta(self) -> dict:
        try:
            return json.loads(self.meta_path.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    @property
    def watermark(self) -> int:
        return int(self._meta().get("watermark", 0))

    def _set_watermark(self, value: int) -> None:
        tmp = self.meta_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"schema": SCHEMA_VERSION, "watermark": value}))
        os.replace(tmp, self.meta_path)

    def _open_for_writing(self) -> tantivy.Index:
        self.path.mkdir(parents=True, exist_ok=True)
        if self._meta().get("schema") != SCHEMA_VERSION and any(self.path.iterdir()):
            shutil.rmtree(self.path)  # an older layout: rebuilt from PostgreSQL
            self.path.mkdir(parents=True)
        self._index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        return self._index

    def behind(self, conn: psycopg.Connection) -> int:
        """How many full texts changed since the last sync."""
        return conn.execute("SELECT count(*) AS n FROM fulltexts WHERE change_seq > %s",
                            (self.watermark,)).fetchone()["n"]

    def sync(self, conn: psycopg.Connection, progress: Callable[[int], None] | None = None,
             wait: bool = False) -> int:
        """Index the passages of every text changed since the watermark (and drop those of
        texts gone); return how many texts. Another process syncing: wait (``wait``) or 0."""
        if wait:
            locks.lock(conn, locks.PASSAGES)
        elif not locks.try_lock(conn, locks.PASSAGES):
            conn.commit()
            return 0
        done = 0
        try:
            watermark = self.watermark
            if not conn.execute("SELECT 1 FROM fulltexts WHERE change_seq > %s LIMIT 1", (watermark,)).fetchone():
                return 0  # nothing new: the folder is not even opened for writing
            writer = self._open_for_writing().writer(heap_size=64_000_000, num_threads=1)
            while True:
                rows = conn.execute(
                    "SELECT f.change_seq, f.status, f.markdown, f.outline, p.seq FROM fulltexts f"
                    " JOIN papers p ON p.id = f.paper_id WHERE f.change_seq > %s ORDER BY f.change_seq LIMIT %s",
                    (watermark, BATCH)).fetchall()
                conn.commit()
                if not rows:
                    break
                for r in rows:
                    writer.delete_documents_by_term("seq", r["seq"])
                    if r["status"] == "text" and r["markdown"] is not None:
                        try:
                            self._add(writer, r)
                        except Exception:  # one paper must never stop the sync
                            log.warning("passage index: the text of paper seq %s could not be indexed; skipped",
                                        r["seq"], exc_info=True)
                writer.commit()
                watermark = rows[-1]["change_seq"]
                self._set_watermark(watermark)  # after the commit: a crash re-indexes, never skips
                done += len(rows)
                if progress:
                    progress(len(rows))
            writer.wait_merging_threads()
        finally:
            locks.unlock(conn, locks.PASSAGES)
            conn.commit()
        return done

    @staticmethod
    def _add(writer: tantivy.IndexWriter, r: dict) -> None:
        markdown = zlib.decompress(r["markdown"]).decode("utf-8")
        outline = [Heading(h["level"], h["title"], h["anchor"]) for h in r["outline"]]
        for p in split(markdown, outline):
            writer.add_document(tantivy.Document(seq=r["seq"], n=p.n, section=p.section, anchor=p.anchor,
                                                 text=p.text))

    # -- searching ------------------------------------------------------------------
    def _fresh(self) -> tantivy.Index | None:
        if self._index is None and (self.path / "meta.json").exists():
            self._index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        try:
            mtime = self.meta_path.stat().st_mtime
        except FileNotFoundError:
            return self._index
        if self._index is not None and mtime != self._seen_meta:
            self._index.reload()
            self._seen_meta = mtime
        return self._index

    def search(self, text: str, k: int = 500, seqs: list[int] | None = None) -> Found:
        """The best ``k`` passages for a query in tantivy's language (search/query.py's
        ``keyword``), grouped by paper; only those of papers ``seqs`` when given."""
        index = self._fresh()
        if index is None or not text.strip() or seqs == []:
            return Found(None, [])
        query = self._plain_query(text)
        if query is None:
            query, _errors = index.parse_query_lenient(text, list(BOOSTS), field_boosts=BOOSTS)
        if seqs is not None:
            query = tantivy.Query.boolean_query([
                (tantivy.Occur.Must, query),
                (tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, "seq", seqs))])
        searcher = index.searcher()
        hits = searcher.search(query, limit=k, count=False).hits
        return Found(searcher, hits)

    def _plain_query(self, text: str) -> tantivy.Query | None:
        """Bare words: a flat OR of term queries, as the abstract index does (twice as fast
        as the parser's nested form, scored the same)."""
        words = text.split()
        if not words or not all(_BARE.fullmatch(w) for w in words) or {"OR", "AND", "NOT", "IN"} & set(words):
            return None
        clauses = []
        for field, boost in BOOSTS.items():
            for token in (t for word in dict.fromkeys(words) for t in _ANALYZERS["stem"].analyze(word)):
                term = tantivy.Query.term_query(self.schema, field, token)
                clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(term, boost)))
        return tantivy.Query.boolean_query(clauses) if clauses else None

    @property
    def size(self) -> int:
        index = self._fresh()
        return index.searcher().num_docs if index is not None else 0


class Found:
    """A passage search's answer: each paper's best passage (``best``: paper seq -> (BM25
    score, where it is), best first). The passages' stored text is read only for the papers
    a page shows (:meth:`hit`): reading 500 stored passages took longer than the search."""

    def __init__(self, searcher: tantivy.Searcher | None, hits: list) -> None:
        self._searcher = searcher
        self.best: dict[int, tuple[float, tantivy.DocAddress]] = {}
        if searcher is not None and hits:
            for (score, addr), seq in zip(hits, searcher.fast_field_values("seq", [a for _, a in hits]), strict=True):
                if seq is not None:
                    self.best.setdefault(seq, (score, addr))
        self._read: dict[int, Hit] = {}

    def hit(self, seq: int) -> Hit:
        """The best passage of paper ``seq`` (one of ``best``), read from the index."""
        if seq not in self._read:
            score, addr = self.best[seq]
            d = self._searcher.doc(addr)  # type: ignore[union-attr]
            self._read[seq] = Hit(seq, score, d["n"][0], d["section"][0], d["anchor"][0], d["text"][0])
        return self._read[seq]
