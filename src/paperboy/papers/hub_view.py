"""What the paper page and the HF-shaped API show of what enrichment found about a paper's
code (enrich/github.py: the star growth, where the repository was found) and of the Hub's
repositories built on it (enrich/hub_links.py, stored in ``extra.hub_links``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KINDS = ("Models", "Datasets", "Spaces")


@dataclass(frozen=True)
class HubLinks:
    """``extra.hub_links``: ``linkedModels`` (the top few), ``numTotalModels``… as stored."""

    stored: Mapping[str, Any]

    def linked(self, label: str) -> list[dict[str, Any]]:
        """The top few repositories of a kind ("Models", "Datasets", "Spaces"), each with an id."""
        items = self.stored.get(f"linked{label}")
        if not isinstance(items, list):
            return []
        return [i for i in items if isinstance(i, dict) and isinstance(i.get("id"), str) and i["id"]]

    def total(self, label: str) -> int:
        n = self.stored.get(f"numTotal{label}")
        return n if isinstance(n, int) and not isinstance(n, bool) and n >= 0 else 0

    @property
    def any(self) -> bool:
        return any(self.total(k) for k in KINDS)

    def hf(self) -> dict[str, Any]:
        """``linkedModels``, ``numTotalModels``… as the Hub's ``/api/papers/{id}`` gives them
        (what huggingface_hub's PaperInfo reads).

        >>> HubLinks({"linkedModels": [{"id": "a/b"}, "junk"], "numTotalModels": 3}).hf()["linkedModels"]
        [{'id': 'a/b'}]
        """
        out: dict[str, Any] = {}
        for label in KINDS:
            out[f"linked{label}"] = self.linked(label)
            out[f"numTotal{label}"] = self.total(label)
        return out


# Where a repository was found, when not with the paper itself (papers.field_sources.github_repo).
ORIGINS = {"arxiv-comment": "found in the arXiv comment", "abstract": "found in the abstract",
           "member": "added by a member", "curator": "set by a curator"}


@dataclass(frozen=True)
class Found:
    stars_week: int | None = None  # stars gained over the last 7 days
    code_from: str | None = None  # a key of ORIGINS, or None: it came with the paper
    hub: HubLinks | None = None  # None: the Hub was not asked yet

    @property
    def code_origin(self) -> str | None:
        return ORIGINS.get(self.code_from or "")

    def hf(self) -> dict[str, Any]:
        return self.hub.hf() if self.hub else {}


NOTHING = Found()


def found(row: Mapping[str, Any], extra: Mapping[str, Any]) -> Found:
    week, links = extra.get("github_stars_week"), extra.get("hub_links")
    return Found(stars_week=week if isinstance(week, int) and not isinstance(week, bool) else None,
                 code_from=(row.get("field_sources") or {}).get("github_repo"),
                 hub=HubLinks(links) if isinstance(links, dict) else None)


def hub_url(kind: str, repo_id: str) -> str:
    """The Hub page of a linked repository.

    >>> hub_url("Spaces", "a/b"), hub_url("Models", "a/b")
    ('https://huggingface.co/spaces/a/b', 'https://huggingface.co/a/b')
    """
    prefix = {"Datasets": "datasets/", "Spaces": "spaces/"}.get(kind, "")
    return f"https://huggingface.co/{prefix}{repo_id}"
