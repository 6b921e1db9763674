"""A curator's merge moves every member's data from the merged paper to the kept one:
collections, library entries, "not interested" marks (issue 21, item 12), and no table that
references papers is forgotten by it."""

from __future__ import annotations

from datetime import date

from paperboy.community import merging
from tests.community.people import add, token_for


def _day_papers(conn, day: str = "2024-11-07") -> list[str]:
    return [r["paper_id"] for r in conn.execute(
        "SELECT paper_id FROM listings WHERE day = %s ORDER BY paper_id", (date.fromisoformat(day),))]


def _bibtex(*papers: tuple[str, str]) -> bytes:
    return "\n".join(f"@misc{{k{i},\n  title = {{{title}}},\n  eprint = {{{pid}}},\n  archivePrefix = {{arXiv}},\n}}\n"
                     for i, (pid, title) in enumerate(papers)).encode()


def _collection(client, auth, name: str, *papers: str) -> int:
    r = client.post("/api/collections", json={"name": name}, headers=auth)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    for pid in papers:
        assert client.put(f"/api/collections/{cid}/papers/{pid}", headers=auth).status_code == 200
    return cid


def test_a_merge_moves_collections_library_entries_and_not_interested_marks(client, conn, hub):
    keep, old = _day_papers(conn)[:2]
    titles = {r["id"]: r["title"] for r in conn.execute("SELECT id, title FROM papers WHERE id = ANY(%s)",
                                                        ([keep, old],))}
    ada, bob = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    # ada saved only the duplicate; bob saved both in one list (he keeps one entry)
    ada_list = _collection(client, ada, "Reading", old)
    bob_list = _collection(client, bob, "Both", keep, old)
    # ada imported the duplicate; bob imported both (his library keeps one entry for the paper)
    for auth, papers in ((ada, [old]), (bob, [keep, old])):
        r = client.post("/api/library/import", content=_bibtex(*[(p, titles[p]) for p in papers]),
                        headers={**auth, "Content-Type": "text/plain"})
        assert r.status_code == 200 and r.json()["matched"] == len(papers), r.text
    # "not interested": ada in the duplicate, bob in both
    for auth, papers in ((ada, [old]), (bob, [keep, old])):
        for pid in papers:
            assert client.post(f"/api/recommendations/{pid}/not-interested", headers=auth).status_code == 200
    # the kept paper has no Hugging Face count series of its own: the duplicate's becomes its
    conn.execute("DELETE FROM upvote_history WHERE paper_id = %s", (keep,))
    history = conn.execute("SELECT count(*) AS n FROM upvote_history WHERE paper_id = %s", (old,)).fetchone()["n"]
    conn.commit()
    assert history >= 1

    cora = token_for(conn, "cora@example.org", "curator")
    r = client.post(f"/api/papers/{old}/merge", json={"into": keep}, headers=cora)
    assert r.status_code == 200, r.text

    # collections: ada's list now holds the kept paper; bob's holds it once
    assert [p["id"] for p in client.get(f"/api/collections/{ada_list}", headers=ada).json()["papers"]] == [keep]
    got = client.get(f"/api/collections/{bob_list}", headers=bob).json()
    assert got["numPapers"] == 1 and [p["id"] for p in got["papers"]] == [keep]
    # library entries: still matched, to the kept paper; bob's library holds it once
    ada_lib = client.get("/api/library", headers=ada).json()
    assert (ada_lib["total"], ada_lib["matched"]) == (1, 1) and ada_lib["entries"][0]["paperId"] == keep
    bob_lib = client.get("/api/library", headers=bob).json()
    assert (bob_lib["total"], bob_lib["matched"]) == (1, 1) and bob_lib["entries"][0]["paperId"] == keep
    # not interested: on the kept paper, once each
    marks = conn.execute("SELECT member_id, paper_id FROM not_interested ORDER BY member_id").fetchall()
    ids = [add(conn, e).id for e in ("ada@example.org", "bob@example.org")]
    assert [(m["member_id"], m["paper_id"]) for m in marks] == [(ids[0], keep), (ids[1], keep)]
    assert conn.execute("SELECT count(*) AS n FROM upvote_history WHERE paper_id = %s",
                        (keep,)).fetchone()["n"] == history
    # and nothing names the merged paper any more, but its alias
    for table in merging.MOVES:
        if table != "paper_aliases":
            n = conn.execute(f"SELECT count(*) AS n FROM {table} WHERE paper_id = %s", (old,)).fetchone()["n"]  # noqa: S608
            assert n == 0, table


def test_every_table_that_references_papers_is_moved_or_dropped_on_purpose_by_a_merge(conn):
    """A new table with a foreign key to papers must be added to merging.MOVES (or DROPPED,
    with its reason), or a merge would delete its rows with the merged paper."""
    rows = conn.execute(
        "SELECT c.conrelid::regclass::text AS tab, a.attname AS col FROM pg_constraint c"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)"
        " WHERE c.contype = 'f' AND c.confrelid = 'papers'::regclass").fetchall()
    referencing = {r["tab"] for r in rows}
    assert {r["col"] for r in rows} == {"paper_id"}  # the statements in MOVES name paper_id
    assert len(referencing) >= 13  # the query found the schema's references
    assert not set(merging.MOVES) & set(merging.DROPPED)
    assert referencing - set(merging.MOVES) - set(merging.DROPPED) == set(), "tables a merge forgets"
    assert set(merging.MOVES) | set(merging.DROPPED) <= referencing, "tables that are gone"
