"""LaTeX-heavy BibTeX (issue 21, item 14): one entry of 5 MB of ``{\\"u}`` cost 25–54 s of CPU
and 0.5–1 GB, as every field was decoded whole before the length limits cut it, and a member
could import as often as they liked.

Now each field is cut before it is read, a file decodes a bounded number of characters, and
a member may import PAPERBOY_IMPORTS_PER_HOUR files an hour (429 past that)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from paperboy import config
from paperboy.library import bibtex, importer
from paperboy.papers import limits
from paperboy.web.app import create_app
from tests.community.people import sign_in, token_for

HEAVY = '{\\"u}'  # ü: five characters of LaTeX, each decoded by pylatexenc's pure Python


def _hostile_entry(size: int = importer.MAX_BYTES - 1000) -> bytes:
    """One entry of about ``size`` bytes: a short title, and author, abstract and note
    fields of nothing but accents."""
    third = HEAVY * (size // 3 // len(HEAVY))
    text = (f"@article{{hostile,\n  title = {{A Perfectly Ordinary Title}},\n  author = {{{third}}},\n"
            f"  abstract = {{{third}}},\n  note = {{{third}}},\n  year = {{2024}}\n}}\n")
    return text.encode()


def test_a_latex_heavy_entry_imports_in_bounded_cpu(client, conn):
    auth = token_for(conn, "ada@example.org")
    data = _hostile_entry()
    assert importer.MAX_BYTES - 2000 < len(data) <= importer.MAX_BYTES
    started = time.process_time()  # the whole process: the app runs in TestClient's threads
    r = client.post("/api/library/import", files={"file": ("hostile.bib", data, "application/x-bibtex")},
                    headers=auth)
    spent = time.process_time() - started
    assert r.status_code == 200, r.text
    assert r.json()["libraryOnly"] == ["A Perfectly Ordinary Title"]
    assert spent < 5, f"importing one LaTeX-heavy entry took {spent:.1f} s of CPU"


def test_fields_are_cut_before_they_are_read():
    names = " and ".join(f"M{{\\\"u}}ller, J{{\\\"o}}rg{n}" for n in range(10_000))  # ~270,000 characters
    title = "{T}" * bibtex.RAW_MAX["title"]
    text = (f"@article{{many, title = {{Many authors}}, author = {{{names}}}, abstract = {{{HEAVY * 100_000}}}}}\n"
            f"@article{{long, title = {{{title}}}}}\n")
    parsed = bibtex.parse(text)
    (entry,) = parsed.entries
    # The names that fit whole in the author field's RAW_MAX, decoded; the rest not read.
    assert entry.authors[0] == "Jörg0 Müller" and 1000 < len(entry.authors) < 3000
    assert all(a.startswith("Jörg") and a.endswith("Müller") for a in entry.authors)
    # Decoded from its first RAW_MAX characters only (the text is cut again when stored).
    assert entry.abstract == "ü" * (bibtex.RAW_MAX["abstract"] // len(HEAVY))
    assert [(r.where, r.reason) for r in parsed.rejected] == [
        ("entry 2 (long)", f"title longer than {limits.TITLE_MAX} characters")]


def test_a_file_decodes_a_bounded_amount_of_latex(monkeypatch):
    monkeypatch.setattr(bibtex, "DECODE_BUDGET", 60)
    text = "".join(f"@misc{{k{n}, title = {{{{\\\"U}}ber alles --- take {n}}}}}\n" for n in range(4))
    titles = [e.title for e in bibtex.parse(text).entries]
    # The first two fit the budget and are decoded; the others are kept as written, unbraced.
    assert titles == ["Über alles — take 0", "Über alles — take 1",
                      '\\"Uber alles --- take 2', '\\"Uber alles --- take 3']
    # Braces alone (Zotero's capitals) need no decoding and spend none of it.
    braced = "".join(f"@misc{{b{n}, title = {{{{BERT}} and {{GPT}} number {n}}}}}\n" for n in range(50))
    assert [e.title for e in bibtex.parse(braced).entries][-1] == "BERT and GPT number 49"


@pytest.fixture
def limited(db, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERBOY_IMPORTS_PER_HOUR", "3")
    app = create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path, cfg=config.load())
    return TestClient(app, raise_server_exceptions=False)


def test_a_member_may_import_only_so_often(limited, conn):
    ada, bob = token_for(conn, "ada@example.org"), token_for(conn, "bob@example.org")
    bib = b"@misc{k, title = {A Paper}, year = {2020}}\n"

    def post(auth):
        return limited.post("/api/library/import", files={"file": ("x.bib", bib, "application/x-bibtex")},
                            headers=auth)
    assert [post(ada).status_code for _ in range(3)] == [200, 200, 200]
    refused = post(ada)
    assert refused.status_code == 429
    assert refused.json()["error"] == "Too many imports: at most 3 an hour. Try again in 20 minutes."
    assert 1100 < int(refused.headers["retry-after"]) <= 1200
    assert post(bob).status_code == 200  # per member
    # The account page's form says it too.
    csrf = sign_in(limited, conn, "ada@example.org")
    page = limited.post("/account/library", files={"file": ("x.bib", bib, "application/x-bibtex")},
                        data={"csrf": csrf})
    assert page.status_code == 429 and "Too many imports: at most 3 an hour" in page.text
