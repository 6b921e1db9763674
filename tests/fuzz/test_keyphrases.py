"""Keyphrase fuzzing: mutated real titles and abstracts, and any text at all. The function
never raises, keeps to its limits (at most ``top`` phrases, each a few words and at most
MAX_CHARS, no two alike), and gives only what PostgreSQL stores as text (no NUL, no lone
surrogate, no control character).

The encoder is a stand-in (a vector drawn from a hash of the text): what is fuzzed is the
chunking, ranking and de-duplication around the model, at hundreds of inputs a second
(tests/keyphrases/ runs the real model on real abstracts)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from paperboy.keyphrases import candidates as cand
from paperboy.keyphrases.extract import extract
from tests.fuzz.budget import FUZZ
from tests.fuzz.mutations import mutated
from tests.helpers import shared


def _seeds() -> list[str]:
    doc = json.loads(shared("hf-api-recorded", "daily_papers.2026-07-14.json").read_text())
    return [f"{i['paper']['title']}\n{i['paper']['summary']}" for i in doc[:4]]


SEEDS = _seeds()


def _encode(texts: list[str]) -> np.ndarray:
    rows = [np.random.default_rng(int.from_bytes(hashlib.sha1(t.encode("utf-8", "surrogatepass")).digest()[:8],
                                                 "big")).standard_normal(16) for t in texts]
    out = np.asarray(rows, dtype=np.float32).reshape(len(texts), 16)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def _check(title: str, summary: str, top: int) -> None:
    found = extract(title, summary, top=top, encode=_encode)
    assert len(found) <= max(top, 0)
    keys = [cand.key(k.text) for k in found]
    assert len(set(keys)) == len(keys)
    words = [cand.stems(k.text) for k in found]
    for i, a in enumerate(words):
        assert not any(a <= b or b <= a for b in words[i + 1:])
    for k in found:
        assert k.text.strip() == k.text and k.text
        assert len(k.text) <= cand.MAX_CHARS and len(k.text.split()) <= cand.MAX_WORDS
        assert k.text.isprintable() and "\x00" not in k.text
        k.text.encode("utf-8")  # no lone surrogate: PostgreSQL takes it
        assert -1.0001 <= k.score <= 1.0001


@FUZZ
@given(mutated(SEEDS), st.integers(0, 12))
def test_mutated_abstracts(text, top):
    title, _, summary = text.partition("\n")
    _check(title, summary, top)


@FUZZ
@given(st.text(max_size=300), st.text(max_size=3000), st.integers(0, 12))
def test_any_text(title, summary, top):
    _check(title, summary, top)


def test_a_huge_abstract_is_read_up_to_its_limit():
    huge = " ".join(f"word{i} phrase{i % 97}" for i in range(50_000))
    found = extract("A title", huge, encode=_encode)
    assert 0 < len(found) <= 10
    assert all(cand.key(k.text) in cand.key(cand.clean("A title . " + huge)) for k in found)
