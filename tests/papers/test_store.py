"""Storing papers from the real files: dedupe, merge, idempotent re-import."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from paperboy.papers.record import normalise_title
from tests.helpers import import_files, shared


def page_blocks(path: Path) -> list[tuple[str, str]]:
    """(title, abstract) of every paper on a saved page, found without the parser: a short
    line, a blank line, then a long line (the abstract)."""
    lines = path.read_text().splitlines()
    return [
        (lines[i].strip(), lines[i + 2].strip())
        for i in range(len(lines) - 2)
        if lines[i].strip() and not lines[i + 1].strip() and len(lines[i + 2]) > 300
        and len(lines[i]) < 300
    ]


def counts(conn):
    return conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"]


def test_all_daily_files_give_2836_papers_then_snapshot_fills_authors(conn):
    daily = sorted(shared("hf-daily-papers-2024").glob("*.json"))
    assert len(daily) == 315
    import_files(conn, daily)
    # Count distinct ids straight from the files, independently of the parser.
    ids = {e["url"].rsplit("/", 1)[-1] for f in daily for e in json.loads(f.read_text())["papers"]}
    assert len(ids) == 2836
    assert counts(conn) == 2836
    larp = conn.execute("SELECT * FROM papers WHERE id = '2312.17653'").fetchone()
    assert larp["authors"] == ["Ming Yan", "Ruihao Li", "Hao Zhang", "Ji Yan"]

    snapshot_path = shared("hf-papers-2024-04-snapshot.json")
    (report,) = import_files(conn, [snapshot_path])
    assert counts(conn) == 2836  # no duplicates
    snapshot = json.loads(snapshot_path.read_text())
    rows = {r["id"]: r for r in conn.execute("SELECT id, authors, upvotes FROM papers WHERE id = ANY(%s)", (list(snapshot),))}
    assert len(rows) == len(snapshot) == 753
    for pid, entry in snapshot.items():
        assert rows[pid]["authors"] == entry["authors"], pid
        assert rows[pid]["upvotes"] >= entry["upvotes"]
    assert report.stats.new == 0
    assert report.stats.updated > 0
    assert larp["upvotes"] == conn.execute(
        "SELECT upvotes FROM papers WHERE id = '2312.17653'").fetchone()["upvotes"]


def test_weekend_repeats_are_one_paper_with_each_listing_day(conn):
    files = [shared("hf-daily-papers-2024", f"2024-01-{d:02d}.json") for d in (5, 6, 7)]
    friday = {e["url"].rsplit("/", 1)[-1] for e in json.loads(files[0].read_text())["papers"]}
    saturday = {e["url"].rsplit("/", 1)[-1] for e in json.loads(files[1].read_text())["papers"]}
    assert friday == saturday  # HF serves Friday's list on Saturday
    import_files(conn, files)
    all_ids = {e["url"].rsplit("/", 1)[-1] for f in files for e in json.loads(f.read_text())["papers"]}
    assert counts(conn) == len(all_ids)
    some = next(iter(friday))
    days = [r["day"] for r in conn.execute(
        "SELECT day FROM listings WHERE paper_id = %s ORDER BY day", (some,))]
    assert days[0] == date(2024, 1, 5) and date(2024, 1, 6) in days
    listed_on = conn.execute("SELECT listed_on FROM papers WHERE id = %s", (some,)).fetchone()
    assert listed_on["listed_on"] == date(2024, 1, 5)


def test_reimport_changes_nothing(conn):
    files = [shared("hf-daily-papers-2024", "2024-03-01.json"), shared("hf-papers-pages", "001_5a43e5ec4ca234e4.txt")]
    import_files(conn, files, date(2025, 10, 17))
    before = conn.execute("SELECT * FROM papers ORDER BY id").fetchall()
    listings = conn.execute("SELECT * FROM listings ORDER BY 1, 2, 3").fetchall()
    reports = import_files(conn, files, date(2025, 10, 17))
    assert all(r.stats.new == 0 and r.stats.updated == 0 for r in reports)
    assert sum(r.stats.unchanged for r in reports) == sum(r.parsed for r in reports)
    assert conn.execute("SELECT * FROM papers ORDER BY id").fetchall() == before
    assert conn.execute("SELECT * FROM listings ORDER BY 1, 2, 3").fetchall() == listings


def test_page_papers_merge_into_daily_papers_by_title_in_either_order(db):
    page = shared("hf-papers-pages", "001_5a43e5ec4ca234e4.txt")
    daily = shared("hf-daily-papers-2024", "2024-04-02.json")
    results = []
    for order in ([page, daily], [daily, page]):
        with db.connection() as conn:
            conn.execute("TRUNCATE papers CASCADE")
            conn.commit()
            import_files(conn, order, date(2025, 10, 17))
            rows = conn.execute(
                "SELECT * FROM papers WHERE title_key = 'cosmicman a text to image foundation model for humans'"
            ).fetchall()
            assert len(rows) == 1
            results.append(rows[0])
            # every paper without an arXiv id is a page paper HF's daily list for that day lacks
            stray = conn.execute(
                "SELECT count(*) AS n FROM papers a JOIN papers b ON a.title_key = b.title_key AND a.id < b.id"
            ).fetchone()["n"]
            assert stray == 0
    for row in results:
        assert row["id"] == "2404.01294"
        assert row["num_authors"] == 6
        assert row["published_at"] == date(2024, 4, 1)
        assert sorted(row["sources"]) == ["hf-daily", "hf-page"]
        assert row["upvotes"] >= 1
    assert results[0]["upvotes"] == results[1]["upvotes"]


def test_saved_pages_keep_every_paper_title_and_abstract(conn):
    pages = sorted(shared("hf-papers-pages").glob("*.txt"))
    import_files(conn, pages, date(2025, 10, 17))
    rows = conn.execute("SELECT title, summary, num_authors, published_at, upvotes FROM papers").fetchall()
    stored = {(r["title"], r["summary"]) for r in rows}
    blocks = [b for p in pages for b in page_blocks(p)]
    assert len(blocks) == 220
    for title, abstract in blocks:
        assert (" ".join(title.split()), " ".join(abstract.split())) in stored, title
    assert len(rows) == len({normalise_title(t) for t, _ in blocks})
    # the page that carries them keeps author counts, dates and upvotes
    by_title = {r["title"]: r for r in rows}
    cosmic = by_title["CosmicMan: A Text-to-Image Foundation Model for Humans"]
    assert (cosmic["num_authors"], cosmic["published_at"], cosmic["upvotes"]) == (6, date(2024, 4, 1), 1)
    # only page 001 has "• N authors" lines, one per paper that shows it (no repeats within it)
    author_lines = [x for x in pages[1].read_text().splitlines() if x.strip().endswith(" authors")]
    assert len(author_lines) == sum(1 for r in rows if r["num_authors"]) == 89


def test_upvote_growth_between_two_imports(conn):
    """The April snapshot, then the November daily files: real growth per paper."""
    snapshot = shared("hf-papers-2024-04-snapshot.json")
    daily = shared("hf-daily-papers-2024", "2024-01-02.json")
    import_files(conn, [snapshot])
    assert conn.execute("SELECT count(*) AS n FROM papers WHERE upvote_growth <> 0").fetchone()["n"] == 0
    import_files(conn, [daily])
    early = json.loads(snapshot.read_text())
    late = {e["url"].rsplit("/", 1)[-1]: e["upvotes"] for e in json.loads(daily.read_text())["papers"]}
    both = [pid for pid in late if pid in early]
    assert both
    rows = {r["id"]: r for r in conn.execute(
        "SELECT id, upvotes, upvote_growth FROM papers WHERE id = ANY(%s)", (both,))}
    for pid in both:
        assert rows[pid]["upvote_growth"] == max(0, late[pid] - early[pid]["upvotes"]), pid
        assert rows[pid]["upvotes"] == max(late[pid], early[pid]["upvotes"])
    assert any(rows[pid]["upvote_growth"] > 0 for pid in both)
    history = conn.execute("SELECT count(*) AS n FROM upvote_history").fetchone()["n"]
    import_files(conn, [daily])  # same counts again: nothing new to record
    assert conn.execute("SELECT count(*) AS n FROM upvote_history").fetchone()["n"] == history
