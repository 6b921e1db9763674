"""The library over the web: POST /api/library/import (token, or cookie with CSRF), the
listing, removal, the export, and the import form on /account#library."""

from __future__ import annotations

from paperboy.library import importer
from tests.community.people import sign_in, token_for
from tests.helpers import Page
from tests.library.conftest import DATA

BIB = (DATA / "zotero.bib").read_bytes()


def _file(name: str = "zotero.bib", data: bytes = BIB, ctype: str = "application/x-bibtex"):
    return {"file": (name, data, ctype)}


def test_import_by_token_multipart_and_raw_body(client, conn, known):
    auth = token_for(conn, "ada@example.org")
    r = client.post("/api/library/import", files=_file(), headers=auth)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    s = r.json()
    assert s["format"] == "bibtex" and s["matched"] == 7 and len(s["matchedPapers"]) == 7
    assert {"id": "1706.03762", "title": "Attention Is All You Need"} in s["matchedPapers"]
    assert s["libraryOnly"] == ["The TeXbook", "Die gegenwärtige Situation in der Quantenmechanik",
                                "A Preprint Nobody Here Has Seen"]
    assert s["duplicates"] == 2
    assert s["rejected"] == [{"where": "entry 13 (broken_2020, line 118)", "reason": "malformed entry"},
                             {"where": "entry 14 (notitle_2020)", "reason": "no title"}]
    raw = client.post("/api/library/import", content=(DATA / "zotero.json").read_bytes(),
                      headers={**auth, "Content-Type": "application/json"})
    assert raw.status_code == 200 and raw.json()["format"] == "csl-json"
    assert raw.json()["libraryOnly"] == ["In vivo imaging of neural activity"]
    ris = client.post("/api/library/import?format=ris", content=(DATA / "library.ris").read_bytes(),
                      headers={**auth, "Content-Type": "text/plain"})
    assert ris.status_code == 200 and ris.json()["format"] == "ris"
    assert (ris.json()["matched"], ris.json()["duplicates"]) == (0, 6)  # all there already
    listing = client.get("/api/library?limit=5&offset=0", headers=auth).json()
    assert (listing["total"], listing["matched"], listing["libraryOnly"]) == (11, 7, 4)
    assert len(listing["entries"]) == 5 and listing["entries"][0]["title"] == "In vivo imaging of neural activity"
    assert client.get("/api/library?offset=10", headers=auth).json()["entries"][-1]["paperId"] == "1706.03762"


def test_who_may_import(client, conn, known):
    anonymous = client.post("/api/library/import", files=_file())
    assert anonymous.status_code == 401 and "Sign in" in anonymous.json()["error"]
    assert client.get("/api/library").status_code == 401
    csrf = sign_in(client, conn, "ada@example.org")
    no_token = client.post("/api/library/import", files=_file())
    assert no_token.status_code == 403
    by_header = client.post("/api/library/import", files=_file(), headers={"X-CSRF-Token": csrf})
    assert by_header.status_code == 200 and by_header.json()["matched"] == 7
    by_field = client.post("/api/library/import", files=_file(), data={"csrf": csrf})
    assert by_field.status_code == 200 and by_field.json()["duplicates"] == 12


def test_files_that_cannot_be_imported_are_400_with_the_reason(client, conn, known, monkeypatch):
    auth = token_for(conn, "ada@example.org")

    def post(**kw):
        r = client.post("/api/library/import", headers={**auth, **kw.pop("headers", {})}, **kw)
        assert r.status_code == 400, r.text
        return r.json()["error"]

    assert "cannot tell the file's format" in post(files=_file("notes.txt", b"my reading list", "text/plain"))
    assert "Nothing to import" in post(files=_file("x.bib", b"@misc{x, author = {A}}"))
    assert "not JSON" in post(content=b"[{", headers={"Content-Type": "application/json"}, params={"format": "csl-json"})
    assert "unknown library format 'endnote'" in post(files=_file(), params={"format": "endnote"})
    assert "empty" in post(files=_file("x.bib", b"  "))
    assert "form field 'file'" in post(files={"other": ("x.bib", BIB)})
    assert "not a text file" in post(files=_file("x.bib", b"PK\x03\x04\x00\x00"))
    monkeypatch.setattr(importer, "MAX_BYTES", 100)
    assert "too large" in post(files=_file())
    assert "too large" in post(content=BIB, headers={"Content-Type": "application/x-bibtex"})
    assert conn.execute("SELECT count(*) AS n FROM library_entries").fetchone()["n"] == 0


def test_a_large_upload_is_refused_before_it_is_read(client, conn, known, monkeypatch):
    sign_in(client, conn, "ada@example.org")  # by cookie, and no CSRF token: the size is judged first
    monkeypatch.setattr(importer, "MAX_BYTES", 100)
    r = client.post("/api/library/import", files=_file("big.bib", b"%" * 70_000))
    assert r.status_code == 413 and "too large: at most 0.0001 MB per import" in r.json()["error"]
    assert client.post("/api/library/import", files=_file()).status_code == 403


def test_remove_and_export(client, conn, known):
    auth, other = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    client.post("/api/library/import", files=_file(), headers=auth)
    entry = client.get("/api/library", headers=auth).json()["entries"][0]["id"]
    assert client.delete(f"/api/library/{entry}", headers=other).status_code == 404  # not bob's
    assert client.delete(f"/api/library/{entry}").status_code == 401
    assert client.delete(f"/api/library/{entry}", headers=auth).json() == {"removed": entry}
    assert client.delete(f"/api/library/{entry}", headers=auth).status_code == 404
    assert client.get("/api/library", headers=auth).json()["total"] == 9
    bib = client.get("/api/library?format=bibtex", headers=auth)
    assert bib.status_code == 200 and bib.headers["content-type"] == "application/x-bibtex; charset=utf-8"
    assert 'filename="library.bib"' in bib.headers["content-disposition"]
    assert bib.text.count("archivePrefix = {arXiv}") == 6  # seven matched, one without an arXiv id
    assert client.get("/api/library?format=ris", headers=auth).text.count("ER  - ") == 7
    assert client.get("/api/library?format=endnote", headers=auth).status_code == 400


def test_the_account_form(client, conn, known):
    csrf = sign_in(client, conn, "ada@example.org")
    page = Page(client.get("/account").text)
    assert page.find("section", id="library") is not None
    form = page.find("form", action="/account/library")
    assert form.attrs["method"] == "post" and form.attrs["enctype"] == "multipart/form-data"
    assert page.find("input", type="file", name="file") is not None
    assert any(b.text.strip() == "Import" for b in page.find_all("button", type="submit"))
    r = client.post("/account/library", files=_file(), data={"csrf": csrf})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    done = Page(r.text)
    summary = done.find("div", id="library-summary").text
    assert "7 matched, 3 library-only, 2 duplicates, 2 rejected" in " ".join(summary.split())
    assert "entry 13 (broken_2020, line 118): malformed entry" in summary and "The TeXbook" in summary
    entries = done.find("ul", id="library-entries")
    assert "Attention Is All You Need" in entries.text and "library-only" in entries.text
    assert done.find("a", href="/papers/1706.03762") is not None
    bad = client.post("/account/library", files=_file("notes.txt", b"hello", "text/plain"), data={"csrf": csrf})
    assert bad.status_code == 400 and "cannot tell the file's format" in Page(bad.text).find("p", id="library-error").text
    assert client.post("/account/library", files=_file()).status_code == 403  # no form token
    entry = client.get("/api/library").json()["entries"][0]["id"]
    removed = client.post(f"/account/library/{entry}/remove", data={"csrf": csrf}, follow_redirects=False)
    assert removed.status_code == 303 and removed.headers["location"] == "/account#library"
    assert client.get("/api/library").json()["total"] == 9
    cleared = client.post("/account/library/clear", data={"csrf": csrf}, follow_redirects=False)
    assert cleared.status_code == 303 and client.get("/api/library").json()["total"] == 0
    assert "Empty: import a file above." in Page(client.get("/account").text).find("section", id="library").text
