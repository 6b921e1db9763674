"""Merging two descriptions of one paper keeps the richer value of each field."""

from datetime import date

from paperboy.papers.merge import merge
from paperboy.papers.record import Paper, normalise_title, parse_arxiv_id, title_id
from paperboy.papers.store import dedupe


def P(**kw) -> Paper:
    base = {"title": "LARP: Language-Agent Role Play", "source": "hf-daily", "arxiv_id": "2312.17653"}
    return Paper(**{**base, **kw})


def test_full_author_list_beats_truncated_in_either_order():
    short = P(authors=("Ming Yan",))
    full = P(authors=("Ming Yan", "Ruihao Li", "Hao Zhang"), source="hf-snapshot")
    assert merge(short, full).authors == full.authors
    assert merge(full, short).authors == full.authors


def test_upvotes_keep_the_higher_count_and_dates_the_first_listing():
    a = P(upvotes=30, listed_on=date(2024, 1, 2))
    b = P(upvotes=12, listed_on=date(2024, 1, 1))
    m = merge(a, b)
    assert m.upvotes == 30
    assert m.listed_on == date(2024, 1, 1)
    assert merge(P(upvotes=None), P(upvotes=0)).upvotes == 0


def test_newer_arxiv_version_replaces_text_older_does_not():
    v1 = P(version=1, title="Old title", summary="old abstract", updated_at=date(2024, 1, 1))
    v2 = P(version=2, title="New title", summary="new", updated_at=date(2024, 2, 1))
    assert merge(v1, v2).title == "New title"
    assert merge(v1, v2).summary == "new"
    assert merge(v2, v1).title == "New title"
    assert merge(v2, v1).version == 2
    assert merge(v2, v1).updated_at == date(2024, 2, 1)


def test_missing_links_are_filled_and_counts_kept():
    a = P(github_repo=None, num_authors=6)
    b = P(github_repo="https://github.com/x/y", categories=("cs.CL",))
    m = merge(a, b)
    assert m.github_repo == "https://github.com/x/y"
    assert m.num_authors == 6
    assert m.categories == ("cs.CL",)


def test_dedupe_joins_title_only_record_to_the_arxiv_one():
    page = Paper(title="LARP:  language-agent role play", source="hf-page", num_authors=6, upvotes=3)
    daily = P(upvotes=30, listed_on=date(2024, 1, 1))
    groups = dedupe([page, daily])
    assert len(groups) == 1
    merged, sources, days = groups[0]
    assert merged.arxiv_id == "2312.17653"
    assert merged.num_authors == 6 and merged.upvotes == 30
    assert sorted(sources) == ["hf-daily", "hf-page"]
    assert days == {(date(2024, 1, 1), "hf-daily")}


def test_ids_and_titles():
    assert parse_arxiv_id("https://huggingface.co/papers/2312.17653") == ("2312.17653", None)
    assert parse_arxiv_id("http://arxiv.org/abs/quant-ph/0201082v1") == ("quant-ph/0201082", 1)
    assert parse_arxiv_id("no id here") is None
    assert normalise_title("Ünïcode:  Title—Here!") == "unicode title here"
    assert title_id("A Title") == title_id("a   title!")
    assert title_id("A Title") != title_id("Another Title")
