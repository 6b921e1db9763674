"""Known papers for the library's matching: arXiv papers (one of them old-style, one known
by an alias a curation merge left), and a paper without an arXiv id (matched by title only)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from tests.fixtures.web import app, client  # noqa: F401 - fixtures

DATA = Path(__file__).parent / "data"

KNOWN = [
    Paper(title="Attention Is All You Need", source="arxiv-atom", arxiv_id="1706.03762",
          summary="The dominant sequence transduction models are based on recurrent networks.",
          authors=("Ashish Vaswani", "Noam Shazeer"), categories=("cs.CL", "cs.LG"),
          published_at=date(2017, 6, 12)),
    Paper(title="BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
          source="arxiv-atom", arxiv_id="1810.04805", authors=("Jacob Devlin", "Ming-Wei Chang"),
          categories=("cs.CL",), published_at=date(2018, 10, 11), summary="We introduce BERT."),
    Paper(title="Language Models are Few-Shot Learners", source="arxiv-atom", arxiv_id="2005.14165",
          authors=("Tom B. Brown",), categories=("cs.CL",), published_at=date(2020, 5, 28),
          summary="We show that scaling up language models greatly improves few-shot performance."),
    Paper(title="The Large N Limit of Superconformal Field Theories and Supergravity", source="arxiv-atom",
          arxiv_id="hep-th/9711200", authors=("Juan M. Maldacena",), categories=("hep-th",),
          published_at=date(1997, 11, 27), summary="We show that the large N limit of certain theories..."),
    Paper(title="An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale",
          source="arxiv-atom", arxiv_id="2010.11929", authors=("Alexey Dosovitskiy",),
          categories=("cs.CV",), published_at=date(2020, 10, 22), summary="Vision transformers: 50% {less} compute_."),
    Paper(title="LoRA: Low-Rank Adaptation of Large Language Models", source="arxiv-atom", arxiv_id="2106.09685",
          authors=("Edward J. Hu",), categories=("cs.CL",), published_at=date(2021, 6, 17),
          summary="We propose Low-Rank Adaptation, or LoRA."),
    # No arXiv id (an id like t-…): only its title can match it.
    Paper(title="Über die Möglichkeit von Zerfall & Übergang", source="hf-page",
          authors=("Jörg Müller",), summary="Eine Untersuchung."),
]
# A curation merge left this old id pointing at the LoRA paper.
ALIAS = ("2106.99999", "2106.09685")


def title_id(conn, title: str) -> str:
    return conn.execute("SELECT id FROM papers WHERE title = %s", (title,)).fetchone()["id"]


@pytest.fixture
def known(conn):
    """The known papers stored; their ids by title."""
    store_batch(conn, KNOWN)
    conn.execute("INSERT INTO paper_aliases (old_id, paper_id) VALUES (%s, %s)", ALIAS)
    conn.commit()
    return {p.title: title_id(conn, p.title) for p in KNOWN}
