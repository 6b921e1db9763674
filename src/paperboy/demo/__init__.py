"""The small real corpus shipped for ``paperboy demo``."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path


def data_dir() -> Path:
    return Path(str(resources.files("paperboy.demo") / "data"))


def corpus_files() -> list[tuple[Path, date | None]]:
    """Each demo file with the reference date for its year-less dates (None: not needed)."""
    root = data_dir()
    refs = json.loads((root / "corpus.json").read_text())["reference_dates"]
    files = sorted((root / "hf-daily").glob("*.json")) + sorted((root / "pages").glob("*.txt"))
    return [
        (f, date.fromisoformat(refs[str(f.relative_to(root))]) if str(f.relative_to(root)) in refs else None)
        for f in files
    ]
