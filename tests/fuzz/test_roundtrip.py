"""Every record a parser accepts can be stored, indexed and rendered (issue 10, acceptance 2).

Mutated real files go through the parsers; whatever they accept is stored in the real
database, fed to the keyword index, and shown on its paper page, in the JSON API and in the
daily Atom feed, which must stay well-formed XML.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from datetime import date
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from paperboy.papers import store
from paperboy.papers.record import ParseError
from paperboy.search.keyword import KeywordIndex
from paperboy.sources import parse
from paperboy.web.app import create_app
from tests.fuzz.mutations import mutated, mutated_atom, mutated_json
from tests.fuzz.seeds import seeds, structured

EXAMPLES = max(30, int(os.environ.get("PAPERBOY_FUZZ_EXAMPLES", "300")) // 5)
INPUTS = st.one_of(
    st.tuples(st.just("hf-json"), mutated_json(structured()["hf-json"])),
    st.tuples(st.just("arxiv-jsonl"), mutated_json(structured()["arxiv-jsonl"], lines=True)),
    st.tuples(st.just("hf-page"), mutated(seeds()["hf-page"])),
    st.tuples(st.just("arxiv-atom"), mutated_atom(seeds()["arxiv-atom"])),
)


@pytest.fixture
def client(db) -> TestClient:
    """One app for all the test's inputs (they share its database too): an app built per input
    was an eighth of the test's time."""
    return TestClient(create_app(db, cache_seconds=0, rate_limit=0),
                      base_url="http://127.0.0.1:8000", raise_server_exceptions=False)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(INPUTS)
def test_accepted_records_store_index_and_render(db, client, tmp_path, fmt_text):
    fmt, text = fmt_text
    try:
        result = parse(fmt, text, "fuzz.txt", date(2025, 10, 17))
    except ParseError:
        return
    if not result.papers:
        return
    event(f"{fmt}: records accepted and stored")
    with db.connection() as conn:
        store.store_batch(conn, result.papers)
        # Show every stored paper on the newest day, so the daily feed carries them all.
        with conn.transaction():
            conn.execute("INSERT INTO listings (paper_id, day, source) SELECT id, '2099-12-31', 'fuzz'"
                         " FROM papers ON CONFLICT DO NOTHING")
        index = KeywordIndex(tmp_path / "index")
        index.sync(conn, wait=True)
        stored = conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]
    assert index.size == stored
    for p in result.papers:
        for base in ("/papers/", "/api/papers/"):
            r = client.get(base + quote(p.id, safe="/"))
            assert r.status_code == 200, (base, p.id, r.text[:300])
    feed = client.get("/feeds/daily.atom")
    assert feed.status_code == 200, feed.text[:300]
    ET.fromstring(feed.content)
