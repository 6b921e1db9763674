"""Author names: the Python rules and the SQL function agree, variants of one person merge,
distinct people stay apart (real names of the arXiv CS file)."""

from __future__ import annotations

import gzip
import json

from paperboy.authors import names, page
from tests.authors import corpus
from tests.helpers import shared


def test_python_and_sql_keys_agree_on_every_name_of_the_arxiv_file(conn):
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt", encoding="utf-8") as f:
        written = sorted({a for line in f for a in json.loads(line).get("authors") or []})
    written += ["Vaswani, Ashish", "Martin Luther King, Jr.", "Łukasz Kaiser", "王伟", "  ", "Smith, J. R."]
    rows = conn.execute("SELECT n, author_key(n) AS k, author_initials(author_key(n)) AS i"
                        " FROM unnest(%s::text[]) n", (written,)).fetchall()
    assert len(rows) > 150_000
    differ = [(r["n"], r["k"], names.key(r["n"])) for r in rows
              if r["k"] != names.key(r["n"]) or r["i"] != names.initials(r["k"])]
    assert not differ, differ[:10]
    assert names.key("Vaswani, Ashish") == names.key("ashish VASWANI") == "ashish vaswani"


def test_the_store_fills_author_papers_and_follows_a_change_of_names(conn):
    pid = conn.execute("SELECT paper_id FROM author_papers WHERE author_key = 'raouf hamzaoui' LIMIT 1"
                       ).fetchone()["paper_id"]
    conn.execute("UPDATE papers SET authors = ARRAY['Hamzaoui, Raouf', 'Ada Lovelace'] WHERE id = %s", (pid,))
    rows = conn.execute("SELECT position, author_key, short FROM author_papers WHERE paper_id = %s"
                        " ORDER BY position", (pid,)).fetchall()
    assert [(r["position"], r["author_key"], r["short"]) for r in rows] == [
        (1, "raouf hamzaoui", False), (2, "ada lovelace", False)]


def test_spellings_with_and_without_accents_are_one_author(conn):
    chosen = corpus.lines()
    written = {a for r in chosen for a in r["authors"] if names.key(a) == "laura leal taixe"}
    assert written >= {"Laura Leal-Taixé", "Laura Leal-Taixe"}  # the file spells her both ways
    expected = {r["id"] for r in chosen if any(names.key(a) == "laura leal taixe" for a in r["authors"])}
    for spelling in ("Laura Leal-Taixé", "Laura Leal-Taixe", "leal-taixé, laura", "LAURA LEAL TAIXE"):
        author = page.resolve(conn, spelling)
        assert author is not None and author.key == "laura leal taixe"
        rows, total = page.papers(conn, author, 0, 100)
        assert {r["id"] for r in rows} == expected and total == len(expected)


def test_initials_merge_only_where_one_full_name_fits(conn):
    hamzaoui = page.resolve(conn, "R. Hamzaoui")  # one Raouf Hamzaoui in the file: him
    assert hamzaoui is not None and hamzaoui.name == "Raouf Hamzaoui"
    assert set(hamzaoui.keys) == {"raouf hamzaoui", "r hamzaoui"}
    assert page.resolve(conn, "Raouf Hamzaoui").keys == hamzaoui.keys
    rows, total = page.papers(conn, hamzaoui, 0, 100)
    assert total == len(rows) == 5  # four as Raouf, one as R.

    muller = page.resolve(conn, "H. Muller")  # Heimo, Henning and Henrik Müller: no telling
    assert muller is not None and muller.keys == ("h muller",)
    assert muller.ambiguous == ("Heimo Müller", "Henning Müller", "Henrik Müller")
    henning = page.resolve(conn, "Henning Müller")
    assert henning is not None and henning.keys == ("henning muller",)  # not H. Muller's paper
    assert page.resolve(conn, "Heimo Muller").keys == ("heimo muller",)
    assert page.resolve(conn, "Nobody Here") is None
    assert page.resolve(conn, "x" * 400) is None


def test_coauthors_topics_and_weekly_counts(conn):
    henning = page.resolve(conn, "Henning Müller")
    rows, total = page.papers(conn, henning, 0, 100)
    dates = [r["published_at"] or r["listed_on"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    weekly = page.weekly(conn, henning)
    assert sum(w["n"] for w in weekly) == total
    co = page.coauthors(conn, henning)
    assert co and co[0]["n"] >= 2 and all(c["name"] != "Henning Müller" for c in co)
    assert any(c["name"] == "Marek Wodzinski" for c in co)  # wrote 2 of his papers with him
    assert page.topics(conn, henning) == []  # no topic job has run
    topic = conn.execute("INSERT INTO topics (label) VALUES ('medical imaging') RETURNING id").fetchone()["id"]
    conn.execute("INSERT INTO topic_papers SELECT %s, unnest(%s::text[])", (topic, [r["id"] for r in rows]))
    assert page.topics(conn, henning) == [{"id": topic, "label": "medical imaging", "n": total}]
