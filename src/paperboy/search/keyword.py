"""The BM25 keyword index: a tantivy index on local disk, derived from PostgreSQL.

It holds only what keyword search needs (title, abstract, authors, categories, a day and
whether there is code) keyed by the paper's unchanging ``seq``. :meth:`KeywordIndex.sync`
feeds it every paper whose ``change_seq`` is above the index's watermark (and any that
committed late below it: db/changes.py), in committed batches, so it resumes after a crash and can be deleted and rebuilt at any time
(``paperboy reindex``) without losing anything.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import psycopg
import tantivy

from paperboy.db import changes, locks

BATCH = 5000
# tantivy dates are nanoseconds since 1970 in 64 bits: 1677-09-22 … 2262-04-11.
DAY_MIN, DAY_MAX = date(1678, 1, 1), date(2262, 1, 1)
log = logging.getLogger(__name__)
# Field boosts, tuned on the CACM development queries (bench/search_quality.py).
BOOSTS = {"title": 1.5, "summary": 1.0, "authors": 1.0}
FIELDS = list(BOOSTS)
_BARE = re.compile(r"\w+")
# What the schema's tokenizers do to a word (tantivy's own en_stem and default pipelines).
_ANALYZERS = {
    "stem": tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.stemmer("english")).build(),
    "authors": tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase()).build(),
}
SCHEMA_VERSION = 1


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("seq", stored=True, indexed=True, fast=True)
    b.add_text_field("title", tokenizer_name="en_stem")
    b.add_text_field("summary", tokenizer_name="en_stem")
    b.add_text_field("authors", tokenizer_name="default")
    b.add_text_field("categories", tokenizer_name="raw")
    b.add_date_field("day", indexed=True, fast=True)
    b.add_integer_field("has_code", indexed=True, fast=True)
    return b.build()


@dataclass
class Filters:
    since: date | None = None
    until: date | None = None
    has_code: bool = False
    category: str | None = None

    @property
    def any(self) -> bool:
        return bool(self.since or self.until or self.has_code or self.category)


def _utc(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


def _document(r: dict) -> tantivy.Document:
    """The index's document of one paper row. A field tantivy cannot hold (a date outside
    its range, which stored data written before the date checks may have) is left out and
    logged, so the paper is still found by its words."""
    doc = tantivy.Document(
        seq=r["seq"], title=r["title"], summary=r["summary"],
        authors=" ; ".join(r["authors"]), has_code=int(r["has_code"]),
    )
    for c in r["categories"]:
        doc.add_text("categories", c)
    day = r["day"]
    if day and DAY_MIN <= day <= DAY_MAX:
        doc.add_date("day", _utc(day))
    elif day:
        log.warning("keyword index: paper seq %s has day %s outside %s..%s; indexed without it",
                    r["seq"], day, DAY_MIN, DAY_MAX)
    return doc


def index_dir(home: Path, conn: psycopg.Connection) -> Path:
    """One index per database: the server's identity, the database name and the papers
    table's identity pick the folder. A restore recreates the table (a new oid), so every
    node starts a fresh index for the restored data instead of trusting its old one."""
    row = conn.execute(
        "SELECT current_database() AS db, (SELECT system_identifier FROM pg_control_system()) AS sys,"
        " to_regclass('papers')::oid AS papers"
    ).fetchone()
    key = hashlib.sha1(f"{row['sys']}/{row['db']}/{row['papers']}".encode()).hexdigest()[:12]
    return home / "index" / f"{row['db']}-{key}"


_COLUMNS = ("SELECT seq, change_seq, title, summary, authors, categories,"
            " coalesce(listed_on, published_at) AS day, github_repo IS NOT NULL AS has_code FROM papers")


class KeywordIndex:
    """The index folder. It is created, and written, only by :meth:`sync` under a database
    lock: two processes opening an empty folder at once would each create an index."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.meta_path = path / "paperboy-sync.json"
        self.schema = _schema()
        self._index: tantivy.Index | None = None
        self._seen_meta: float = 0.0

    @property
    def index(self) -> tantivy.Index | None:
        """The tantivy index for reading, once a sync has created it."""
        if self._index is None and (self.path / "meta.json").exists():
            self._index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        return self._index

    def _open_for_writing(self) -> tantivy.Index:
        """(Under the lock.) Drop an index of an older layout; create or reopen the index, so
        the writer starts from the segments other processes committed."""
        self.path.mkdir(parents=True, exist_ok=True)
        if self._meta().get("schema") != SCHEMA_VERSION and any(self.path.iterdir()):
            shutil.rmtree(self.path)  # built by an older paperboy: rebuild from PostgreSQL
            self.path.mkdir(parents=True)
        self._index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        return self._index

    # -- the watermark ------------------------------------------------------------
    def _meta(self) -> dict:
        try:
            return json.loads(self.meta_path.read_text())
        except (FileNotFoundError, ValueError):
            return {}

    @property
    def watermark(self) -> int:
        return self.mark.seq

    @property
    def mark(self) -> changes.Mark:
        """Where the last sync stood: the highest change_seq read, and the transactions still
        open then, whose rows may yet commit below it (db/changes.py)."""
        return changes.Mark.from_json(self._meta())

    def _set_mark(self, mark: changes.Mark) -> None:
        tmp = self.meta_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"schema": SCHEMA_VERSION, **mark.as_json()}))
        os.replace(tmp, self.meta_path)

    # -- feeding it -----------------------------------------------------------------
    def behind(self, conn: psycopg.Connection) -> int:
        """How many papers changed since the last sync."""
        mark = self.mark
        return conn.execute(
            f"SELECT count(*) AS n FROM papers WHERE change_seq > %(seq)s OR ({changes.STRAGGLERS})",  # noqa: S608
            changes.params(mark)).fetchone()["n"]

    def sync(self, conn: psycopg.Connection, progress: Callable[[int], None] | None = None,
             wait: bool = False) -> int:
        """Index every paper changed since the last sync, even one whose transaction took its
        number before and committed after a later one's; return how many. When another
        process is syncing the same index, wait for it (``wait``) or return 0 at once."""
        lock = locks.keyword_index(self.path)
        if wait:
            locks.lock(conn, lock)
        elif not locks.try_lock(conn, lock):
            return 0
        done = 0
        try:
            writer = self._open_for_writing().writer(heap_size=64_000_000, num_threads=1)
            before = self.mark
            now = changes.snapshot(conn)  # before any row is read: see db/changes.py
            # First the rows at or below the last mark that transactions open then have
            # committed since, then everything above it, in committed batches.
            for where, args in ((changes.STRAGGLERS, changes.params(before)),
                                ("change_seq > %(seq)s", {"seq": before.seq})):
                last = 0
                while True:
                    rows = conn.execute(_COLUMNS + f" WHERE ({where}) AND change_seq > %(last)s"  # noqa: S608
                                        " ORDER BY change_seq LIMIT %(batch)s",
                                        {**args, "last": last, "batch": BATCH}).fetchall()
                    conn.commit()
                    if not rows:
                        break
                    self._feed(writer, rows)
                    last = rows[-1]["change_seq"]
                    # after the commit: a crash reads again, never skips (the old mark's open
                    # transactions still count until this sync ends)
                    self._set_mark(changes.Mark(max(last, before.seq), before.open, before.xmax))
                    done += len(rows)
                    if progress:
                        progress(len(rows))
            self._set_mark(now.after(self.mark.seq))
            writer.wait_merging_threads()
        finally:
            locks.unlock(conn, lock)
            conn.commit()
        return done

    @staticmethod
    def _feed(writer, rows: list[dict]) -> None:
        for r in rows:
            writer.delete_documents_by_term("seq", r["seq"])
            try:
                writer.add_document(_document(r))
            except Exception:  # one paper must never stop the sync
                log.warning("keyword index: paper seq %s could not be indexed; skipped",
                            r["seq"], exc_info=True)
        writer.commit()

    # -- searching ------------------------------------------------------------------
    def _fresh(self) -> tantivy.Index | None:
        index = self.index
        try:
            mtime = self.meta_path.stat().st_mtime
        except FileNotFoundError:
            return index
        if index is not None and mtime != self._seen_meta:
            index.reload()
            self._seen_meta = mtime
        return index

    def search(self, text: str, filters: Filters | None = None, k: int = 100,
               seqs: list[int] | None = None) -> list[tuple[int, float]]:
        """(seq, BM25 score) of the best ``k`` matches of a query in tantivy's language; only
        among the papers ``seqs`` when given (a member's library: passages/library.py)."""
        index = self._fresh()
        if index is None or seqs == []:
            return []
        query = self._query(index, text, filters)
        if seqs is not None:
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (
                tantivy.Occur.Must, tantivy.Query.term_set_query(self.schema, "seq", seqs))])
        searcher = index.searcher()
        hits = searcher.search(query, limit=k, count=False).hits
        # seq from its fast column: reading each hit's stored document cost 0.6 ms a search
        seqs = searcher.fast_field_values("seq", [addr for _, addr in hits])
        return [(seq if seq is not None else searcher.doc(addr)["seq"][0], score)  # (None: no column)
                for seq, (score, addr) in zip(seqs, hits, strict=True)]

    def months(self, text: str, filters: Filters | None = None) -> list[dict]:
        """``[{month: "2025-01", n}]``: how many papers match the query in each month (every
        match, not only the best: a day histogram over the index's ``day`` column, summed)."""
        index = self._fresh()
        if index is None:
            return []
        agg = {"days": {"date_histogram": {"field": "day", "fixed_interval": "1d", "min_doc_count": 1}}}
        buckets = index.searcher().aggregate(self._query(index, text, filters), agg)["days"]["buckets"]
        counts: dict[str, int] = {}
        for b in buckets:
            month = b["key_as_string"][:7]
            counts[month] = counts.get(month, 0) + int(b["doc_count"])
        return [{"month": m, "n": n} for m, n in sorted(counts.items())]

    def _query(self, index: tantivy.Index, text: str, filters: Filters | None) -> tantivy.Query:
        query = self._plain_query(text)
        if query is None:
            query, _errors = index.parse_query_lenient(text, FIELDS, field_boosts=BOOSTS)
        if filters and filters.any:
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), *self._filters(filters)])
        return query

    def _plain_query(self, text: str) -> tantivy.Query | None:
        """Bare words, and bare words to exclude (``-survey``), only (no phrase, field, other
        sign or operator): one flat OR of a term query per word and field, with the fields'
        boosts, and a MustNot per excluded word and field. It scores exactly as the query
        parser's nested form (a sum over words of a sum over fields) but runs two to three
        times as fast at a million papers. None for anything else (the parser reads it)."""
        words = text.split()
        wanted = [w for w in words if not w.startswith("-")]
        unwanted = [w[1:] for w in words if w.startswith("-")]
        if (not wanted or not all(_BARE.fullmatch(w) for w in wanted + unwanted)
                or {"OR", "AND", "NOT", "IN"} & set(wanted + unwanted)):
            return None
        clauses = []
        for field, boost in BOOSTS.items():
            analyzer = _ANALYZERS["authors" if field == "authors" else "stem"]
            for token in (t for word in dict.fromkeys(wanted) for t in analyzer.analyze(word)):  # a word once, as the parser
                term = tantivy.Query.term_query(self.schema, field, token)
                clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(term, boost)))
            for token in (t for word in dict.fromkeys(unwanted) for t in analyzer.analyze(word)):
                clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_query(self.schema, field, token)))
        return tantivy.Query.boolean_query(clauses) if clauses else None

    def _filters(self, f: Filters) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        out = []
        if f.since or f.until:
            # clamped to what tantivy can hold, whatever a caller asks
            lo = _utc(min(max(f.since or DAY_MIN, DAY_MIN), DAY_MAX))
            hi = _utc(max(min(f.until or DAY_MAX, DAY_MAX), DAY_MIN))
            out.append((tantivy.Occur.Must, tantivy.Query.range_query(
                self.schema, "day", tantivy.FieldType.Date, lo, hi)))
        if f.has_code:
            out.append((tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "has_code", 1)))
        if f.category:
            out.append((tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "categories", f.category)))
        return out

    @property
    def size(self) -> int:
        index = self._fresh()
        return index.searcher().num_docs if index is not None else 0


def rebuild(path: Path) -> KeywordIndex:
    """Drop the index folder (then :meth:`KeywordIndex.sync` refills it)."""
    shutil.rmtree(path, ignore_errors=True)
    return KeywordIndex(path)


def prune_others(path: Path) -> list[Path]:
    """Remove this home's other index folders of the same database name (what a restore
    left behind: their data is gone); return them."""
    prefix = path.name.rsplit("-", 1)[0] + "-"
    gone = [p for p in path.parent.glob(prefix + "*") if p.is_dir() and p != path
            and p.name.rsplit("-", 1)[0] + "-" == prefix]
    for p in gone:
        shutil.rmtree(p, ignore_errors=True)
    return gone
