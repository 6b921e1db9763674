"""Where a paper or a listing came from, in a reader's words."""

from __future__ import annotations

SOURCE_LABELS = {
    "hf-daily": "Hugging Face Daily Papers",
    "hf-api": "Hugging Face Daily Papers",
    "hf-snapshot": "Hugging Face Daily Papers",
    "hf-page": "a saved Hugging Face page",
    "arxiv-atom": "arXiv",
    "arxiv-jsonl": "arXiv",
    "submission": "submitted here",
    "curator": "pinned by a curator",
}


def source_label(name: str) -> str:
    """A source's name as readers see it.

    >>> source_label("hf-daily"), source_label("something-new")
    ('Hugging Face Daily Papers', 'something new')
    """
    return SOURCE_LABELS.get(name, name.replace("-", " "))


def source_labels(names) -> list[str]:
    """The distinct labels of ``names``, in their order (two arXiv formats say arXiv once)."""
    return list(dict.fromkeys(source_label(n) for n in names))
