"""Search query fuzzing (issue 14): what anyone may type into the search box.

- :func:`paperboy.search.query.parse` never raises, and the keyword query it builds is one
  tantivy's *strict* parser accepts (so the lenient parser the index uses never has to drop a
  part of it silently); quotes stay balanced, the raw text within MAX_QUERY.
- The whole search path (query parsing, tantivy query building and search, the query's
  embedding and pgvector's nearest neighbours, fusion, filters, sorting, highlighting) over a
  real database and index never raises, answers within a second, and highlights only with
  ``<mark>`` around escaped text.

Inputs: mutated real queries, queries built from the syntax's own pieces, and arbitrary text.
PAPERBOY_FUZZ_EXAMPLES inputs each (300 in ``make test``, 10,000 in ``make fuzz``).
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest
import tantivy
from hypothesis import given
from hypothesis import strategies as st
from psycopg.conninfo import make_conninfo

from paperboy import demo, embeddings
from paperboy.db import Database
from paperboy.fulltext import store as fulltext_store
from paperboy.fulltext.convert import Heading
from paperboy.search import Filters, Searcher
from paperboy.search.highlight import spans, stem
from paperboy.search.keyword import BOOSTS, FIELDS, KeywordIndex
from paperboy.search.query import MAX_QUERY, parse
from tests.fuzz.budget import FUZZ
from tests.fuzz.mutations import TOKENS, mutated
from tests.helpers import import_files

SEEDS = [
    "why do LVLMs hallucinate objects", '"attention sinks" -vision streaming OR caching',
    'author:"Song Han" title:LLM', "abstract:diffusion category:cs.CV", "GPT-4 vs. Llama-2: a study",
    "2310.06825", "arXiv:2310.06825v2", "https://arxiv.org/abs/2310.06825v1", "astro-ph/0601001",
    "https://huggingface.co/papers/2310.06825", "meeting at 10:30", "ratio:foo bar", "+required -excluded",
    '-"large language" models AND agents', "cat:cs.LG OR cat:stat.ML", "C++ templates", "🤖 robots 🚀",
    r"$\alpha + \beta^2$", "the of and a", "'; DROP TABLE papers; --", "title:(a OR b)^2~3",
    "CosmicMan", "GraphCodeBERT data flow", "EchoMimic human animation", "über Sprachmodelle 机器学习",
]
WORDS = st.sampled_from(["attention", "LLM", "GPT-4", "cs.CV", "diffusion", "Song Han", "vision-language",
                         "über", "机器学习", "OR", "AND", "or", "NOT", "title", "a/b", "x" * 300, "it's",
                         "10:30", "e.g.", "3.5", "-", "+", "\\", "*", "?", "~", "^", "'", "`"])
PIECES = st.sampled_from(
    ["OR", "AND", "(", ")", '"', "\\", "*", "~2", "^3", "[a TO b]", "{", "}", ":", "-", "+", "&&", "||",
     "!", "2310.06825", "arXiv:2310.06825v2", "https://arxiv.org/abs/2310.06825", "hep-th/9901001",
     "-/1234567", "a.XX/1234567", "\u200b", "\ufeff", "\x00", "\x7f", "$\\alpha$", "\\\"", '\\"x"'])
FIELD = st.sampled_from(["", "", "title:", "abstract:", "summary:", "author:", "authors:", "category:", "cat:",
                         "Title:", "10:", "x:", "title::", "in:", "IN:"])
TERM = st.one_of(
    WORDS, WORDS.map(lambda w: f'"{w}"'), PIECES, st.text(max_size=10),
    st.tuples(st.sampled_from(["", "", "-", "+", "--", "+-"]), FIELD,
              WORDS | WORDS.map(lambda w: f'"{w}') | WORDS.map(lambda w: f'"{w}"')).map("".join),
)
STRUCTURED = st.tuples(st.lists(TERM, max_size=30), st.sampled_from([" ", "", "  ", "\t", "\n"])).map(
    lambda t: t[1].join(t[0]))
QUERIES = st.one_of(mutated(SEEDS), STRUCTURED, st.text(max_size=400), st.sampled_from(TOKENS))

_INDEX = tantivy.Index(KeywordIndex(Path("unused")).schema)  # in memory: only parses


def _strict_ok(keyword: str, excluded: list[str]) -> None:
    """The keyword query parses without error in tantivy's strict mode ("only excluding
    terms" is no syntax error: it is what "-word" alone means, and matches nothing)."""
    if not keyword:
        return
    try:
        _INDEX.parse_query(keyword, FIELDS, field_boosts=BOOSTS)
    except ValueError as e:
        assert excluded and "Only excluding terms" in str(e), (keyword, str(e))


@FUZZ
@given(QUERIES)
def test_query_parser(text):
    q = parse(text)
    assert len(q.raw) <= MAX_QUERY and q.raw == q.raw.strip()
    assert q.keyword.count('"') % 2 == 0, q.keyword
    _strict_ok(q.keyword, q.excluded)
    assert q.arxiv_id is None or re.fullmatch(r"\d{4}\.\d{4,5}|[A-Za-z][\w.\-]*/\d{7}", q.arxiv_id), q.arxiv_id
    assert q.empty == (not q.keyword.strip() and not q.arxiv_id)


# --- the whole path, over a real database -------------------------------------------------

_WORD = re.compile(r"\w+")


def _spans_by_definition(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Every \\w+ word of ``text`` whose stem is one of ``words``' stems and starts as that
    stem does (one-letter query words never highlight; "cry", stem "cri", is not marked for
    "crying": the price of not stemming every word), by stemming every word of the text:
    what paperboy.search.highlight.spans finds faster."""
    stems = {stem(w) for w in words if len(w) > 1}
    return [m.span() for m in _WORD.finditer(text)
            if stem(m.group()) in stems and m.group()[:3].lower() in {s[:3] for s in stems}]


@FUZZ
@given(text=st.one_of(QUERIES, st.lists(WORDS | TERM, max_size=40).map(" ".join)),
       words=st.lists(WORDS | TERM | st.sampled_from(["İstanbul", "ſtate", "KELVIN", "ai", "C++", "ﬁne", "crying", "cry"]),
                      max_size=4))
def test_highlighted_words_are_those_sharing_a_stem(text, words):
    assert spans(text, words) == _spans_by_definition(text, words)


@pytest.fixture(scope="module")
def hub(pg_server: str, tmp_path_factory: pytest.TempPathFactory):
    """Two demo days (about 120 papers) with a keyword index, 40 of them embedded, one hidden
    and one with code."""
    name = "fz_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE pb_template')
    db = Database(make_conninfo(pg_server, dbname=name), max_size=2).open()
    try:
        with db.connection() as conn:
            files = [f for f, _ in demo.corpus_files() if f.suffix == ".json"][:2]
            import_files(conn, files)
            conn.execute("UPDATE papers SET hidden = true WHERE id = (SELECT min(id) FROM papers)")
            conn.execute("UPDATE papers SET github_repo = 'https://github.com/a/b'"
                         " WHERE id = (SELECT max(id) FROM papers)")
            conn.commit()
            embeddings.embed_pending(conn, limit=40)
            searcher = Searcher(tmp_path_factory.mktemp("fuzz-search-home"), conn)
            searcher.index.sync(conn, wait=True)
            for r in conn.execute("SELECT id, summary FROM papers ORDER BY id LIMIT 4").fetchall():  # passages
                fulltext_store.save_text(conn, r["id"], 1, f"## 1 Intro\n\n{r['summary']}\n\n## 2 More\n\n{r['summary']}\n",
                                         [Heading(2, "1 Intro", "S1"), Heading(2, "2 More", "S2")])
            conn.commit()
            assert searcher.passages.sync(conn, wait=True) == 4
            hidden = conn.execute("SELECT id FROM papers WHERE hidden").fetchone()["id"]
            searcher.search(conn, "warm up the model", mode="hybrid")  # loads the model: not timed
            yield db, searcher, hidden
    finally:
        db.close()
        with psycopg.connect(pg_server, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


DAYS = st.none() | st.dates(date(1900, 1, 1), date(2099, 12, 31))
FILTERS = st.builds(Filters, since=DAYS, until=DAYS, has_code=st.booleans(),
                    category=st.none() | st.sampled_from(["cs.CL", "cs.CV", "", "x" * 40, "cs.*", '"'])
                    | st.text(max_size=40).filter(lambda c: "\x00" not in c))
_MARK = re.compile(r"</?mark>")


@FUZZ
@given(text=QUERIES, filters=FILTERS, mode=st.sampled_from(["hybrid", "keyword", "semantic"]),
       sort=st.sampled_from(["relevance", "date", "upvotes"]), offset=st.integers(0, 130),
       limit=st.integers(1, 120), fulltext=st.booleans())
def test_the_whole_search_path(hub, text, filters, mode, sort, offset, limit, fulltext):
    db, searcher, hidden = hub
    text = text.replace("\x00", "")  # the web layer answers 400 to a NUL (web/searching.py)
    with db.connection() as conn:
        result = searcher.search(conn, text, filters=filters, sort=sort, mode=mode, offset=offset, limit=limit,
                                 fulltext=fulltext)
    assert result.mode in ("hybrid", "keyword", "semantic", "id")
    ids = [r["id"] for r in result.items]
    assert len(ids) <= limit and len(set(ids)) == len(ids)
    assert hidden not in ids
    for r in result.items:
        for marked in (str(r["highlighted_title"]), str(r["highlighted_summary"])):
            assert "<" not in _MARK.sub("", marked), marked[:200]
        if "passage" in r:  # only when the passages were searched; its snippet marked the same way
            assert result.fulltext and r["passage"]["url"].startswith(f"/papers/{r['id']}/read")
            assert "<" not in _MARK.sub("", str(r["passage"]["snippet_html"]))
