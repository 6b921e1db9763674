"""Keyphrases in PostgreSQL: the job that computes them for papers lacking them, and reading
them (one paper's with its row, or many at once for topics).

The job reads a batch of papers with their stored vectors (the embedding job's, reused: a
paper without a current vector is encoded here), extracts, writes and commits; a killed
run loses at most one batch and the next continues. A list records its method, version and
the hash of the text it was made from: a new version, or an edited abstract (once its
vector is remade), makes it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import psycopg

from paperboy import embeddings, keyphrases
from paperboy.db.vectors import ensure_vector
from paperboy.keyphrases.extract import extract

BATCH = 32


@dataclass
class KeyphraseStats:
    computed: int = 0


_STALE = ("k.paper_id IS NULL OR k.method <> %(method)s OR k.version <> %(version)s"
          " OR (e.model = %(model)s AND e.text_hash <> k.text_hash)")

_PENDING = (
    "SELECT p.id, p.title, p.summary, e.model, e.text_hash, e.embedding FROM papers p"  # noqa: S608 - fixed strings
    " LEFT JOIN keyphrases k ON k.paper_id = p.id"
    " LEFT JOIN embeddings e ON e.paper_id = p.id"
    f" WHERE p.id > %(after)s AND ({_STALE})"
    " ORDER BY p.id LIMIT %(lim)s"
)


def _params(**more: object) -> dict[str, object]:
    return {"method": keyphrases.METHOD, "version": keyphrases.VERSION,
            "model": embeddings.MODEL_NAME, **more}


def pending_count(conn: psycopg.Connection) -> int:
    """Papers with no keyphrases of the current method and version, or stale ones."""
    return conn.execute(
        "SELECT count(*) AS n FROM papers p LEFT JOIN keyphrases k ON k.paper_id = p.id"  # noqa: S608 - fixed strings
        f" LEFT JOIN embeddings e ON e.paper_id = p.id WHERE {_STALE}",
        _params()).fetchone()["n"]


def compute_pending(conn: psycopg.Connection, progress: Callable[[int], None] | None = None,
                    batch: int = BATCH, limit: int | None = None) -> KeyphraseStats:
    """Compute the keyphrases of every paper lacking current ones (at most ``limit``),
    committing after each batch. Running it again, or twice at once, writes the same."""
    ensure_vector(conn)
    stats = KeyphraseStats()
    after = ""
    while limit is None or stats.computed < limit:
        lim = batch if limit is None else min(batch, limit - stats.computed)
        rows = conn.execute(_PENDING, _params(after=after, lim=lim)).fetchall()
        conn.commit()
        if not rows:
            break
        after = rows[-1]["id"]
        written = []
        for r in rows:
            digest = embeddings.text_hash(r["title"], r["summary"])
            current = r["model"] == embeddings.MODEL_NAME and r["text_hash"] == digest
            vec = r["embedding"] if current else None
            found = extract(r["title"], r["summary"], vec.to_numpy() if hasattr(vec, "to_numpy") else vec)
            written.append((r["id"], [k.text for k in found], keyphrases.METHOD, keyphrases.VERSION, digest))
        with conn.transaction(), conn.cursor() as cur:
            # a paper deleted or merged away meanwhile is skipped (the join finds no row)
            cur.executemany(
                "INSERT INTO keyphrases (paper_id, phrases, method, version, text_hash)"
                " SELECT p.id, %s, %s, %s, %s FROM papers p WHERE p.id = %s"
                " ON CONFLICT (paper_id) DO UPDATE SET phrases = EXCLUDED.phrases,"
                " method = EXCLUDED.method, version = EXCLUDED.version,"
                " text_hash = EXCLUDED.text_hash, created = now()",
                [(ph, m, v, h, pid) for pid, ph, m, v, h in written])
        stats.computed += len(written)
        if progress:
            progress(len(written))
    return stats


def read_many(conn: psycopg.Connection, ids: Iterable[str] | None = None, *,
              source: str = "paperboy", chunk: int = 5000) -> Iterator[tuple[str, list[str]]]:
    """(paper id, keyphrases best first) of the given papers (every paper that has them when
    ``ids`` is None), in id order, read ``chunk`` at a time: what topics are built from.
    ``source`` "paperboy" reads ours; "hf" Hugging Face's imported ``ai_keywords``; "any"
    Hugging Face's where known, else ours."""
    if source not in ("paperboy", "hf", "any"):
        raise ValueError(f"source must be paperboy, hf or any, not {source!r}")
    hf = ("nullif(CASE WHEN jsonb_typeof(p.extra->'ai_keywords') = 'array' THEN"
          " ARRAY(SELECT jsonb_array_elements_text(p.extra->'ai_keywords')) END, '{}')")
    phrases = {"paperboy": "k.phrases", "hf": hf, "any": f"coalesce({hf}, k.phrases)"}[source]
    wanted = None if ids is None else sorted(set(ids))
    after = ""
    while True:
        if wanted is None:
            rows = conn.execute(
                f"SELECT p.id, {phrases} AS phrases FROM papers p LEFT JOIN keyphrases k ON k.paper_id = p.id"  # noqa: S608
                " WHERE p.id > %s ORDER BY p.id LIMIT %s", (after, chunk)).fetchall()
        else:
            part = [i for i in wanted if i > after][:chunk]
            if not part:
                return
            rows = conn.execute(
                f"SELECT p.id, {phrases} AS phrases FROM papers p LEFT JOIN keyphrases k ON k.paper_id = p.id"  # noqa: S608
                " WHERE p.id = ANY(%s) ORDER BY p.id", (part,)).fetchall()
            after = part[-1]
        if not rows and wanted is None:
            return
        for r in rows:
            if r["phrases"]:
                yield r["id"], list(r["phrases"])
        if wanted is None:
            after = rows[-1]["id"]
