"""Interests shaped like a person's: the three saved Hugging Face listings of ../shared/data
(each the papers of one theme, as a person searching for it saw them), among the papers of
ten days of HF Daily (1–10 November 2024) as the rest of a small hub. Shared by the quality
test and bench/recommend_quality.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np

from paperboy import embeddings
from paperboy.papers.importer import parse_file

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
DAILY = [f"2024-11-{d:02d}" for d in range(1, 11)]


def papers(data: Path = DATA) -> tuple[list[str], np.ndarray]:
    """Each paper's text (title + ". " + abstract) and its theme: the listing it is in
    (0, 1, 2), or -1 for a Daily paper in none. A paper in two places is kept once."""
    texts: list[str] = []
    themes: list[int] = []
    seen: set[str] = set()

    def add(title: str, summary: str, theme: int) -> None:
        key = " ".join(title.lower().split())
        if key not in seen:
            seen.add(key)
            texts.append(embeddings.paper_text(title, summary or ""))
            themes.append(theme)

    for i, f in enumerate(sorted((data / "hf-papers-pages").glob("*.txt"))):
        for p in parse_file(f, "auto", date(2025, 10, 17))[1].papers:
            add(p.title, p.summary, i)
    for d in DAILY:
        for p in json.loads((data / "hf-daily-papers-2024" / f"{d}.json").read_text())["papers"]:
            add(p["title"], p["abstract"], -1)
    return texts, np.array(themes)


def vectors(texts: list[str], cache: Path | None = None) -> np.ndarray:
    """The texts' all-MiniLM-L6-v2 vectors (as the product computes them), kept in ``cache``."""
    if cache is not None and cache.exists():
        v = np.load(cache)
        if len(v) == len(texts):
            return v
    v = embeddings.encode(texts)
    if cache is not None:
        np.save(cache, v)
    return v
