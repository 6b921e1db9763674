"""Embedding speed and fidelity: PyTorch (sentence-transformers) against ONNX Runtime, float32
and int8, on the same texts in the same run; then the whole `embed_pending` job.

Run by hand:  .venv/bin/python bench/embed_rate.py [--n 1024] [--demo] [--threads 1] [--serial]

1. Reads the first --n papers of ../shared/data/arxiv-cs-2025-2026.jsonl.gz (title + ". " +
   abstract, as the job embeds them).
2. Encodes them with each encoder, interleaved chunk by chunk (torch, fp32, int8, then the next
   chunk in another order) so that a load that comes and goes on the machine falls on all
   three alike; prints papers/s of each and its speed-up over PyTorch. --threads N gives every
   encoder N threads (default: all cores); --serial adds int8 one text at a time with every
   thread inside the run (as before int8 ran its texts side by side, one per core).
3. Prints the cosine (min, mean, 1st percentile) of each ONNX encoder's vectors to PyTorch's;
   --demo does the same on the demo corpus (the acceptance test: every one >= 0.99).
4. Stores the papers in a throwaway embedded PostgreSQL and times `embed_pending` with the
   encoder PAPERBOY_ENCODER chooses (default onnx): the job's papers/s, database included.

The ONNX model is exported into PAPERBOY_MODEL_CACHE first if it is not there yet.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from common import fresh_database  # bench/common.py (scripts run from bench/)
from paperboy import embeddings
from paperboy.db import Database
from paperboy.embeddings import onnx_encoder, torch_encoder
from paperboy.papers.importer import parse_file, store_result

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
JSONL = DATA / "arxiv-cs-2025-2026.jsonl.gz"


class OneAtATime:
    """int8 as it ran before its texts ran side by side: one text at a time, every thread
    inside each run."""

    def __init__(self, folder: Path, int8: onnx_encoder.OnnxEncoder) -> None:
        self.inner = onnx_encoder.OnnxEncoder(folder, int8.path, one_at_a_time=True,
                                              float_path=int8.float_path, threads=int8.threads)
        self.inner.session = onnx_encoder._session(int8.path, int8.threads)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return np.concatenate([self.inner.encode([t]) for t in texts])


def load_encoders(threads: int | None, serial: bool) -> dict:
    folder, name, cache = embeddings.model_path(), embeddings.MODEL_NAME.rsplit("/", 1)[-1], embeddings.model_cache()
    torch_encoder.offline()
    if threads:
        import torch

        torch.set_num_threads(threads)
    t0 = time.perf_counter()
    fp32 = onnx_encoder.load(folder, name, cache, int8=False, probe=embeddings.probe_texts, threads=threads)
    int8 = onnx_encoder.load(folder, name, cache, int8=True, probe=embeddings.probe_texts, threads=threads)
    print(f"ONNX models ready in {time.perf_counter() - t0:.1f} s ({cache}); {int8.threads} threads each")
    if int8.name != "onnx-int8":
        print("  int8 failed its check on this machine: the 'int8' column is float32")
    encoders = {"torch": torch_encoder.TorchEncoder(folder), "onnx-fp32": fp32, "onnx-int8": int8}
    if serial:
        encoders["int8-serial"] = OneAtATime(folder, int8)
    return encoders


def race(encoders: dict, texts: list[str], chunk: int) -> tuple[dict, dict]:
    """Vectors and seconds of each encoder on ``texts``, interleaved chunk by chunk."""
    for enc in encoders.values():
        enc.encode(texts[:16])  # warm up: sessions, allocators, thread pools
    names = list(encoders)
    parts: dict[str, list[np.ndarray]] = {n: [] for n in names}
    seconds = dict.fromkeys(names, 0.0)
    cpu = dict.fromkeys(names, 0.0)
    for k, start in enumerate(range(0, len(texts), chunk)):
        part = texts[start:start + chunk]
        for name in names[k % len(names):] + names[:k % len(names)]:  # rotate who goes first
            t0, c0 = time.perf_counter(), time.process_time()
            parts[name].append(encoders[name].encode(part))
            seconds[name] += time.perf_counter() - t0
            cpu[name] += time.process_time() - c0
    vectors = {n: np.concatenate(parts[n]) for n in names}
    return vectors, {"wall": seconds, "cpu": cpu}


def fidelity(vectors: dict, texts: list[str], label: str) -> None:
    ref = vectors["torch"]
    for name in (n for n in vectors if n != "torch"):
        cos = onnx_encoder.cosines(vectors[name], ref)
        worst = int(np.argmin(cos))
        print(f"  {label} {name:10s} cosine to PyTorch: min {cos.min():.4f}  p1 {np.percentile(cos, 1):.4f}"
              f"  mean {cos.mean():.5f}  below 0.99: {(cos < 0.99).sum()} of {len(cos)}"
              f"   (worst: {texts[worst][:50]!r})")


def demo_texts() -> list[str]:
    from paperboy.demo import corpus_files

    return sorted({embeddings.paper_text(p.title, p.summary or "")
                   for f, day in corpus_files() for p in parse_file(f, "auto", day)[1].papers})


def job_rate(records_file: Path, n: int, home: Path) -> tuple[float, str, float]:
    """papers/s of embed_pending over the n stored papers, the encoder, and the wall time."""
    url = fresh_database(home)
    db = Database(url).open()
    try:
        with db.connection() as conn:
            fmt, result = parse_file(records_file)
            store_result(conn, str(records_file), fmt, result)
            pending = embeddings.pending_count(conn)
            assert pending == n, f"{pending} papers pending, {n} expected"
            name = embeddings.encoder_name()  # loads it: not timed
            t0 = time.perf_counter()
            stats = embeddings.embed_pending(conn)
            took = time.perf_counter() - t0
            assert stats.embedded == n and embeddings.pending_count(conn) == 0
    finally:
        db.close()
    return n / took, name, took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1024, help="papers to embed (default 1024)")
    ap.add_argument("--chunk", type=int, default=128, help="texts each encoder takes in turn")
    ap.add_argument("--demo", action="store_true", help="also compare vectors on the demo corpus")
    ap.add_argument("--no-job", action="store_true", help="skip the embed_pending measurement")
    ap.add_argument("--threads", type=int, default=0, help="threads of every encoder (default: all cores)")
    ap.add_argument("--serial", action="store_true", help="also time int8 one text at a time")
    args = ap.parse_args()
    if not JSONL.exists():
        raise SystemExit(f"needs {JSONL}")
    with gzip.open(JSONL, "rt") as f:
        lines = list(itertools.islice(f, args.n))
    records = [json.loads(line) for line in lines]
    texts = [embeddings.paper_text(r["title"], r["abstract"]) for r in records]
    print(f"{len(texts)} papers, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} (other work slows every column alike)")

    encoders = load_encoders(args.threads or None, args.serial)
    tokens = [len(e.ids) for e in encoders["onnx-fp32"].tokenizer.encode_batch(texts)]
    print(f"tokens per paper: mean {np.mean(tokens):.0f}, {np.mean(np.array(tokens) >= 256):.0%} truncated at 256")
    vectors, spent = race(encoders, texts, args.chunk)
    base = spent["wall"]["torch"]
    used = args.threads or os.cpu_count() or 1
    print(f"encoding alone (papers/s, wall clock; CPU-time rate = papers / process CPU seconds x {used}):")
    for name, seconds in spent["wall"].items():
        cpu_rate = len(texts) / spent["cpu"][name] * used
        print(f"  {name:11s} {len(texts) / seconds:6.1f} papers/s   x{base / seconds:4.2f} vs PyTorch"
              f"   (CPU-time rate {cpu_rate:5.1f}, x{spent['cpu']['torch'] / spent['cpu'][name]:4.2f})")
    print(f"  load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    fidelity(vectors, texts, "arXiv")
    if args.demo:
        demo = demo_texts()
        vectors, _ = race(encoders, demo, args.chunk)
        fidelity(vectors, demo, f"demo ({len(demo)})")

    if not args.no_job:
        with tempfile.TemporaryDirectory() as tmp:
            sample = Path(tmp) / "sample.jsonl"
            sample.write_text("".join(lines))
            rate, name, took = job_rate(sample, len(records), Path(tmp) / "home")
        raw = len(texts) / spent["wall"][name] if name in spent["wall"] else float("nan")
        print(f"embed_pending with {name}: {rate:.1f} papers/s ({took:.0f} s for {len(records)} papers;"
              f" the encoder alone did {raw:.1f}); 75,000 papers would take {75_000 / rate / 60:.0f} min")

if __name__ == "__main__":
    main()
