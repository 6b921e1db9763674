"""Fuzzing the reading of a paper's code repository from its arXiv comment or abstract
(issue 23, enrich/code_links.py): whatever the text, :func:`repo_name` never raises, answers
None or a valid GitHub ``owner/name`` that the text links to on github.com, and finds the same
repository whatever stands around the link.

Seeds: the real arXiv comments and abstracts of ``shared/data/arxiv-cs-2025-2026.jsonl.gz`` that
mention github.com, mutated (PAPERBOY_FUZZ_EXAMPLES inputs each)."""

from __future__ import annotations

import gzip
import json
import re
from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from paperboy.enrich.code_links import repo_name
from tests.fuzz.budget import FUZZ
from tests.fuzz.mutations import mutated
from tests.helpers import shared

VALID = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/[A-Za-z0-9._-]{1,100}")


@cache
def real_texts(most: int = 400) -> list[str]:
    """Comments and abstracts of real arXiv papers that link to github.com."""
    found: list[str] = []
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt") as f:
        for line in f:
            rec = json.loads(line)
            for text in (rec.get("comment"), rec.get("abstract")):
                if text and "github.com/" in text:
                    found.append(text)
            if len(found) >= most:
                break
    return found


def _linked(text: str, name: str) -> bool:
    return re.search(r"github\.com/\s?" + re.escape(name.split("/")[0]) + r"/\s?" + re.escape(name.split("/")[1]),
                     text, re.IGNORECASE) is not None


def test_real_comments_and_abstracts_give_their_repository():
    texts = real_texts()
    assert len(texts) >= 100
    names = [repo_name(t) for t in texts]
    # a link to a user or an organisation alone (github.com/someone) names no repository
    assert sum(n is not None for n in names) >= 0.9 * len(texts), [t for t, n in zip(texts, names, strict=True) if n is None][:5]
    for text, name in zip(texts, names, strict=True):
        assert name is None or (VALID.fullmatch(name) and _linked(text, name)), (text, name)
        assert not (name or "").endswith((".git", "."))


@FUZZ
@given(st.text(max_size=300))
def test_any_text_gives_none_or_a_repository_it_links_to(text):
    name = repo_name(text)
    assert name is None or (VALID.fullmatch(name) and _linked(text, name))


@FUZZ
@given(st.data(), st.text(max_size=40), st.text(max_size=40))
def test_mutated_real_texts_and_what_stands_around_them(data, before, after):
    text = data.draw(mutated(real_texts()))
    name = repo_name(text)
    assert name is None or (VALID.fullmatch(name) and _linked(text, name)), (text, name)
    if name is not None and "github.com" not in before.lower():
        # the same link with other words around it names the same repository
        assert repo_name(f"{before} https://github.com/{name} {after}") == name
