"""`paperboy library import|list|export`, run as the real command against the test's database."""

from __future__ import annotations

from paperboy.library import importer
from tests.community.people import add
from tests.helpers import run_cli
from tests.library.conftest import DATA


def library(db_url: str, *args: str):
    return run_cli(["library", *args], {"DATABASE_URL": db_url})


def clean(r) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout


def test_import_prints_the_summary_and_embeds_library_only_entries(db_url, conn, known):
    ada = add(conn, "ada@example.org")
    r = library(db_url, "import", "Ada@Example.org", str(DATA / "zotero.bib"))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "ada@example.org: imported zotero.bib (bibtex)" in out
    assert "matched: 7" in out and "  1706.03762  Attention Is All You Need" in out
    assert "library-only: 3" in out and "  The TeXbook" in out
    assert "duplicates: 2" in out and "rejected: 2" in out
    assert "  entry 13 (broken_2020, line 118): malformed entry" in out
    assert "  entry 14 (notitle_2020): no title" in out
    assert "embedded 3 library-only entries" in r.stderr
    conn.rollback()
    assert conn.execute("SELECT count(*) AS n FROM library_entries WHERE member_id = %s AND embedding IS NOT NULL",
                        (ada.id,)).fetchone()["n"] == 3
    listed = library(db_url, "list", "ada@example.org", "--limit", "3")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "ada@example.org: 10 entries, 7 matched, 3 library-only"
    assert len(lines) == 4 and "library-only" in lines[1] and "A Preprint Nobody Here Has Seen (2024)" in lines[1]


def test_export_writes_the_matched_papers(db_url, conn, known, tmp_path):
    ada = add(conn, "ada@example.org")
    importer.import_library(conn, ada.id, (DATA / "library.ris").read_text(), "library.ris")
    conn.commit()
    out = tmp_path / "mine.bib"
    r = library(db_url, "export", "ada@example.org", "--format", "bibtex", "--output", str(out))
    assert r.returncode == 0, r.stderr
    body = out.read_text()
    assert body.count("@misc{") + body.count("@article{") == 4 and "eprint = {hep-th/9711200}" in body
    ris = library(db_url, "export", "ada@example.org", "--format", "ris")
    assert ris.returncode == 0 and ris.stdout.count("ER  - ") == 4


def test_clear_errors(db_url, conn, known, tmp_path):
    add(conn, "ada@example.org")
    unknown = library(db_url, "import", "nobody@example.org", str(DATA / "zotero.bib"), "--no-embed")
    assert unknown.returncode == 2 and "nobody@example.org is not a member" in unknown.stderr
    missing = library(db_url, "import", "ada@example.org", str(tmp_path / "nope.bib"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr and "nope.bib" in missing.stderr
    notes = tmp_path / "notes.txt"
    notes.write_text("my reading list: attention, bert")
    garbage = library(db_url, "import", "ada@example.org", str(notes))
    assert garbage.returncode == 2 and "cannot tell the file's format" in garbage.stderr
    named = library(db_url, "import", "ada@example.org", str(DATA / "zotero.bib"), "--format", "endnote")
    assert named.returncode == 2 and "unknown library format 'endnote'" in named.stderr
    fmt = library(db_url, "export", "ada@example.org", "--format", "endnote")
    assert fmt.returncode == 2 and "bibtex, csl-json, ris" in fmt.stderr
    for r in (unknown, missing, garbage, named, fmt):
        clean(r)
    assert importer.library(conn, add(conn, "ada@example.org").id).total == 0
