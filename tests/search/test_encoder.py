"""The ONNX encoder makes PyTorch's vectors (cosine >= 0.99 on every demo-corpus paper, batch
and query paths), exports once into PAPERBOY_MODEL_CACHE and reuses the file, and never
crashes: a damaged cache is made again, an export that fails falls back to PyTorch."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from paperboy import embeddings
from paperboy.embeddings import onnx_encoder, torch_encoder
from tests.fixtures import torch_reference

MIN_COSINE = 0.99


@pytest.fixture(scope="module")
def demo_texts() -> list[str]:
    texts = torch_reference.demo_texts()
    assert len(texts) > 500, "the demo corpus should hold several hundred papers"
    return texts


@pytest.fixture(scope="module")
def torch_vectors(demo_texts) -> np.ndarray:
    """sentence-transformers' own vectors: the reference, recorded (tests/fixtures/
    torch_reference.py); test_the_recorded_reference_is_pytorchs_own holds it to PyTorch."""
    return torch_reference.load(demo_texts)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One export for the module (each test copies it when it means to damage it)."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture
def use(monkeypatch, cache):
    """use(kind, folder): load the encoder PAPERBOY_ENCODER=kind would, with that cache."""
    def choose(kind: str, folder: Path = cache):
        monkeypatch.setenv("PAPERBOY_ENCODER", kind)
        monkeypatch.setenv("PAPERBOY_MODEL_CACHE", str(folder))
        embeddings.reset()
        return embeddings.model()

    yield choose
    monkeypatch.undo()
    embeddings.reset()  # later tests load the default encoder again


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*.onnx")}


def test_the_default_is_int8_onnx_exported_once_into_the_cache(use, cache, monkeypatch, caplog):
    with caplog.at_level(logging.WARNING):
        encoder = use("onnx")
    assert encoder.name == "onnx-int8", caplog.text
    assert not caplog.records, "a fresh export should warn about nothing"
    made = _files(cache)
    assert len(made) == 2 and any(n.endswith(".int8.onnx") for n in made)
    assert all(Path(cache, n + ".json").exists() for n in made)  # the manifests
    # A second load, as another process would: reads the files, exports nothing.
    monkeypatch.setattr(onnx_encoder, "export", lambda *a: pytest.fail("exported again"))
    monkeypatch.setattr(onnx_encoder, "quantize", lambda *a: pytest.fail("quantised again"))
    again = use("onnx")
    assert again is not encoder and again.name == "onnx-int8"
    assert _files(cache) == made


@pytest.mark.parametrize("kind", ["onnx", "onnx-fp32"])
def test_onnx_vectors_match_pytorch_on_every_demo_paper(use, kind, demo_texts, torch_vectors):
    encoder = use(kind)
    assert encoder.name == {"onnx": "onnx-int8", "onnx-fp32": "onnx-fp32"}[kind]
    if kind == "onnx-fp32":  # the same arithmetic as PyTorch's: a quarter of the corpus will do
        demo_texts, torch_vectors = demo_texts[::4], torch_vectors[::4]
    got = embeddings.encode(demo_texts)
    assert got.shape == (len(demo_texts), embeddings.DIM) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    cos = _cosines(got, torch_vectors)
    worst = int(np.argmin(cos))
    assert cos.min() >= MIN_COSINE, f"{kind}: cosine {cos.min():.4f} for {demo_texts[worst][:80]!r}"
    if kind == "onnx-fp32":
        assert cos.min() > 0.9999  # float32 is the same computation
    # the query path: one text at a time, the same vectors (a spread of the corpus: it is the
    # same session, and one text a run is what int8's batch path does anyway)
    for i in range(0, len(demo_texts), 7):
        q = embeddings.encode_query(demo_texts[i])
        assert float(q @ torch_vectors[i]) >= MIN_COSINE, demo_texts[i][:80]
        assert float(q @ got[i]) > 0.9999  # a query's vector is the batch path's


def test_a_vector_does_not_depend_on_its_batch(use, demo_texts):
    use("onnx")
    texts = demo_texts[:40] + ["StreamingLLM", "attention sinks in streaming language models"]
    together = embeddings.encode(texts, batch_size=16)
    alone = np.stack([embeddings.encode([t])[0] for t in texts[::5]])
    assert np.allclose(together[::5], alone, atol=1e-5)


def test_int8_texts_run_side_by_side_give_the_vectors_of_one_at_a_time(use, cache, demo_texts):
    """Several runs at once on the int8 session (one per thread) change no vector, whatever
    the cores of the machine running the tests."""
    use("onnx")  # exported and checked into the module's cache
    folder, name = embeddings.model_path(), embeddings.MODEL_NAME.rsplit("/", 1)[-1]
    texts = demo_texts[100:124]

    def encoder(threads: int):
        enc = onnx_encoder.load(folder, name, cache, int8=True, probe=embeddings.probe_texts,
                                threads=threads)
        assert enc.name == "onnx-int8" and enc.threads == threads
        return enc

    side_by_side = encoder(3).encode(texts)
    one_by_one = encoder(1).encode(texts)
    assert np.allclose(side_by_side, one_by_one, atol=1e-5)


@pytest.mark.parametrize(("kind", "least"), [("onnx", MIN_COSINE), ("onnx-fp32", 0.9999)])
def test_queries_and_titles_match_pytorch(use, kind, least, demo_texts):
    """Short texts too (int8 runs them in float32; padding must not count as tokens)."""
    queries = ["why do vision language models hallucinate objects", "StreamingLLM", "x", "LoRA",
               "speeding up inference with speculative decoding", "x " * 400]
    titles = [t.split(". ")[0] for t in demo_texts[::25]]
    reference = torch_encoder.TorchEncoder(embeddings.model_path())
    use(kind)
    for q in queries:
        want = reference.encode([" ".join(q.split())])[0]
        assert float(embeddings.encode_query(q) @ want) >= least, q
    cos = _cosines(embeddings.encode(titles), reference.encode(titles))
    assert cos.min() >= least, titles[int(np.argmin(cos))]


def test_the_recorded_reference_is_pytorchs_own(demo_texts, torch_vectors):
    """PyTorch run now, on a spread of the corpus, gives the recorded vectors."""
    spread = slice(0, None, 40)
    live = torch_encoder.TorchEncoder(embeddings.model_path()).encode(demo_texts[spread])
    assert len(live) >= 14
    assert np.allclose(live, torch_vectors[spread], atol=1e-5)


def test_torch_is_sentence_transformers(use, demo_texts, torch_vectors):
    encoder = use("torch")
    assert encoder.name == "torch" and embeddings.encoder_name() == "torch"
    assert np.allclose(embeddings.encode(demo_texts[:5]), torch_vectors[:5], atol=1e-5)
    assert float(embeddings.encode_query(demo_texts[0]) @ torch_vectors[0]) > 0.9999


def test_an_unknown_encoder_warns_and_uses_onnx(use, caplog):
    with caplog.at_level(logging.WARNING):
        assert use("tensorflow").name == "onnx-int8"
    assert "PAPERBOY_ENCODER" in caplog.text


@pytest.fixture
def exports(use, cache, monkeypatch) -> list[Path]:
    """The files export() is asked to make, each a copy of the module's own export: the tests
    that take it are about noticing a bad file and making it again (export itself is tested
    above, in this process and in two others), and a real export costs seconds of CPU."""
    use("onnx")  # the module's cache holds an export (it does already after the first test)
    good = next(p for p in cache.glob("*.onnx") if not p.name.endswith(".int8.onnx"))
    made: list[Path] = []

    def export(folder: Path, dest: Path) -> None:
        made.append(dest)
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.copyfile(good, tmp)
        onnx_encoder._publish(tmp, dest, {"from": "a copy of the module's export"})

    monkeypatch.setattr(onnx_encoder, "export", export)
    return made


def test_a_damaged_cached_model_is_made_again(use, cache, exports, tmp_path, caplog):
    folder = tmp_path / "cache"
    shutil.copytree(cache, folder)
    fp32 = next(p for p in folder.glob("*.onnx") if not p.name.endswith(".int8.onnx"))
    with fp32.open("r+b") as f:  # truncated, as by a full disk or a killed copy
        f.truncate(fp32.stat().st_size // 2)
    with caplog.at_level(logging.WARNING):
        encoder = use("onnx-fp32", folder)
    assert encoder.name == "onnx-fp32"
    assert "damaged" in caplog.text and "PyTorch" not in caplog.text
    assert exports == [fp32] and fp32.stat().st_size > 50_000_000
    v = embeddings.encode(["attention sinks in streaming language models"])
    assert v.shape == (1, embeddings.DIM) and abs(float(np.linalg.norm(v)) - 1) < 1e-5


def test_a_cached_model_that_will_not_load_is_made_again(use, cache, exports, tmp_path, caplog):
    """Garbage whose manifest matches (the hash check passes): ONNX Runtime refuses it."""
    folder = tmp_path / "cache"
    shutil.copytree(cache, folder)
    fp32 = next(p for p in folder.glob("*.onnx") if not p.name.endswith(".int8.onnx"))
    fp32.write_bytes(b"not a model at all")
    onnx_encoder._publish(_copy(fp32), fp32, {})  # a manifest that vouches for the garbage
    with caplog.at_level(logging.WARNING):
        encoder = use("onnx-fp32", folder)
    assert encoder.name == "onnx-fp32"
    assert "could not load the cached ONNX model" in caplog.text
    assert exports == [fp32] and fp32.stat().st_size > 50_000_000


def _copy(path: Path) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    shutil.copyfile(path, tmp)
    return tmp


def test_when_onnx_cannot_be_used_pytorch_encodes(use, tmp_path, monkeypatch, caplog):
    def broken(folder, dest):
        raise RuntimeError("the exporter is gone")

    monkeypatch.setattr(onnx_encoder, "export", broken)
    with caplog.at_level(logging.WARNING):
        encoder = use("onnx", tmp_path / "empty-cache")
        v = embeddings.encode(["a paper about attention", "another one"])
    assert encoder.name == "torch"
    assert v.shape == (2, embeddings.DIM)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "the exporter is gone" in warnings[0].getMessage()
    assert "PyTorch" in warnings[0].getMessage()


def test_two_processes_starting_together_export_once(tmp_path):
    script = ("import logging, sys\n"
              "logging.basicConfig(level=logging.INFO, stream=sys.stdout)\n"
              "from paperboy import embeddings\n"
              "print('encoder', embeddings.encoder_name())\n")
    env = {**os.environ, "PAPERBOY_ENCODER": "onnx-fp32", "PAPERBOY_MODEL_CACHE": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0 and "encoder onnx-fp32" in out, err
    assert sum(out.count("exporting") for out, _ in outs) == 1, outs
    assert len(list(tmp_path.glob("*.onnx"))) == 1 and not list(tmp_path.glob(".export-*"))
