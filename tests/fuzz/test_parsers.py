"""Parser fuzzing: mutated real files (issue 10, acceptance 2).

For every parser: no exception but the documented :class:`ParseError`, no parse over one
second, and every record it accepts obeys the storage rules (so it can be stored, indexed
and written into a feed; test_roundtrip.py proves that against the real database).

``make test`` runs a few hundred inputs per parser; ``make fuzz`` sets PAPERBOY_FUZZ_EXAMPLES
(10,000 by default there) and prints hypothesis' statistics.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperboy.papers import limits
from paperboy.papers.record import Paper, ParseError
from paperboy.sources import ParseResult, detect_format, parse
from tests.fuzz.mutations import mutated, mutated_atom, mutated_json
from tests.fuzz.seeds import seeds, structured

EXAMPLES = int(os.environ.get("PAPERBOY_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=timedelta(seconds=1),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _obeys_the_rules(p: Paper) -> None:
    texts = [p.title, p.summary, p.comment or "", *p.authors, *p.categories]
    assert p.title.strip() and len(p.title) <= limits.TITLE_MAX
    assert len(p.summary) <= limits.SUMMARY_MAX
    for t in texts:
        assert limits.forbidden(t) is None and limits.strip_control(t) == t, repr(t[:80])
    for d in (p.published_at, p.updated_at, p.listed_on):
        assert limits.plausible_date(d)
    for n in (p.upvotes, p.num_authors, p.version):
        assert limits.count_ok(n)
    for url in (p.github_repo, p.project_page, p.pdf_url):
        assert url is None or limits.safe_url(url) == url
    json.dumps(p.extra, allow_nan=False)  # JSONB takes it


def _parse(fmt: str, text: str) -> ParseResult | None:
    try:
        result = parse(fmt, text, "fuzz.txt", date(2025, 10, 17))
    except ParseError:
        return None
    for p in result.papers:
        _obeys_the_rules(p)
    for r in result.rejected:
        assert r.where and r.reason
    return result


@FUZZ
@given(mutated(seeds()["hf-page"]))
def test_hf_page(text):
    _parse("hf-page", text)


@FUZZ
@given(st.one_of(mutated(seeds()["hf-json"]), mutated_json(structured()["hf-json"])))
def test_hf_json(text):
    _parse("hf-json", text)


@FUZZ
@given(st.one_of(mutated(seeds()["arxiv-atom"]), mutated_atom(seeds()["arxiv-atom"])))
def test_arxiv_atom(text):
    _parse("arxiv-atom", text)


@FUZZ
@given(st.one_of(mutated(seeds()["arxiv-jsonl"]),
                 mutated_json(structured()["arxiv-jsonl"], lines=True)))
def test_arxiv_jsonl(text):
    _parse("arxiv-jsonl", text)


@FUZZ
@given(st.one_of(*(mutated(texts) for texts in seeds().values())))
def test_detect_then_parse(text):
    """What `paperboy import` does with an unknown file: detect, then parse."""
    try:
        fmt = detect_format("fuzz.txt", text)
    except ParseError:
        return
    _parse(fmt, text)
