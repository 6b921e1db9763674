"""What the paper page and the HF-shaped API show of a paper's code and of the Hub's
repositories built on it (stored by enrich/github.py and enrich/hub_links.py in ``extra``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KINDS = ("Models", "Datasets", "Spaces")


def linked(hub_links: Mapping[str, Any] | None, label: str) -> list[dict[str, Any]]:
    """The top few repositories of a kind ("Models", "Datasets", "Spaces"), each with an id."""
    items = (hub_links or {}).get(f"linked{label}")
    if not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, dict) and isinstance(i.get("id"), str) and i["id"]]


def num_linked(hub_links: Mapping[str, Any] | None, label: str) -> int:
    n = (hub_links or {}).get(f"numTotal{label}")
    return n if isinstance(n, int) and not isinstance(n, bool) and n >= 0 else 0


def hf_linked(hub_links: Mapping[str, Any] | None) -> dict[str, Any]:
    """``linkedModels``, ``numTotalModels``… as the Hub's ``/api/papers/{id}`` gives them (what
    huggingface_hub's PaperInfo reads); none of them when the Hub was not asked yet.

    >>> hf_linked({"linkedModels": [{"id": "a/b"}, "junk"], "numTotalModels": 3})["linkedModels"]
    [{'id': 'a/b'}]
    >>> hf_linked(None)
    {}
    """
    if hub_links is None:
        return {}
    out: dict[str, Any] = {}
    for label in KINDS:
        out[f"linked{label}"] = linked(hub_links, label)
        out[f"numTotal{label}"] = num_linked(hub_links, label)
    return out


def hub_url(kind: str, repo_id: str) -> str:
    """The Hub page of a linked repository.

    >>> hub_url("Spaces", "a/b"), hub_url("Models", "a/b")
    ('https://huggingface.co/spaces/a/b', 'https://huggingface.co/a/b')
    """
    prefix = {"Datasets": "datasets/", "Spaces": "spaces/"}.get(kind, "")
    return f"https://huggingface.co/{prefix}{repo_id}"
