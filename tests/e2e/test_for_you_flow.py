"""For you in Chromium against a real `paperboy serve`: a member imports a .bib on the
account page, sees For you fill with picks that name their own papers, turns one down,
saves another to a new collection and exports that collection as BibTeX.

The hub holds 1,000 real arXiv papers with their real vectors (tests/recommend/topics.py);
the model is refit by serve's own background job, not by the test.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import bibtexparser
import pytest

from paperboy.community.sessions import COOKIE
from tests.community.people import session_cookie
from tests.e2e.conftest import serve
from tests.recommend import topics
from tests.recommend.conftest import tconn, tdb, topics_template  # noqa: F401 - fixtures


@pytest.fixture
def hub(tconn):  # noqa: F811 - the fixture imported above
    return tconn


@pytest.fixture
def world(tdb, hub, tmp_path) -> Iterator[str]:  # noqa: F811
    proc, base = serve(tdb.url, tmp_path / "home",
                       PAPERBOY_FETCH_EVERY="off", PAPERBOY_RATE_LIMIT="0")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _bib(hub, liked: list[str]) -> str:
    rows = {r["id"]: r for r in hub.execute(
        "SELECT id, title, authors FROM papers WHERE id = ANY(%s)", (liked,)).fetchall()}
    out = []
    for n, pid in enumerate(liked[:4]):
        r = rows[pid]
        out.append(f"@article{{mine{n},\n  title = {{{{{r['title']}}}}},\n"
                   f"  author = {{{' and '.join(r['authors'][:2]) or 'Anon'}}},\n"
                   f"  eprint = {{{pid}}},\n  archivePrefix = {{arXiv}},\n  year = {{2025}}\n}}\n")
    r = rows[liked[4]]  # no id: found by its title
    out.append(f"@inproceedings{{bytitle,\n  title = {{{r['title']}}},\n  year = {{2025}}\n}}\n")
    out.append("@misc{elsewhere,\n  title = {Sch{\\\"o}n \\& Gut: a paper this hub does not hold},\n"
               "  doi = {10.1000/elsewhere},\n  year = {2019}\n}\n")
    out.append("@article{broken,\n  title = {no closing brace\n")
    return "\n".join(out)


def test_import_a_library_then_for_you_explains_takes_no_and_exports(world, hub, page, tmp_path):
    base = world
    liked = topics.neighbours(0, 5)
    bib = tmp_path / "library.bib"
    bib.write_text(_bib(hub, liked), encoding="utf-8")
    page.context.add_cookies([{"name": COOKIE, "value": session_cookie(hub, "ada@lab.example"),
                               "url": base}])

    # 1. the account page: import the file, read the summary
    page.goto(base + "/account#library")
    section = page.locator("#library")
    section.locator("input[name=file]").set_input_files(str(bib))
    section.get_by_role("button", name="Import").click()
    page.wait_for_load_state()
    summary = page.locator("#library").inner_text()
    assert re.search(r"\b5\b.*matched", summary, re.I | re.S), summary
    assert "Schön & Gut" in summary  # library-only, its LaTeX read
    assert re.search(r"malformed|rejected", summary, re.I), summary

    # 2. For you fills once serve's job has refit the model
    deadline = time.monotonic() + 60
    while True:
        page.goto(base + "/for-you")
        if page.locator(".pick .because a").count():
            break
        assert time.monotonic() < deadline, page.locator("main").inner_text()
        time.sleep(1)
    picks = page.locator(".pick")
    assert picks.count() >= 5
    ids = [picks.nth(i).get_attribute("data-paper") for i in range(picks.count())]
    assert not set(ids) & set(liked)
    for a in page.locator(".pick .because a").all()[:10]:
        assert a.get_attribute("href").removeprefix(base).removeprefix("/papers/") in liked

    # 3. "Not interested" takes the first pick away at once, and for good
    first = picks.first
    gone = ids[0]
    first.get_by_role("button", name="Not interested").click()
    page.wait_for_selector(f'.pick[data-paper="{gone}"]', state="detached", timeout=5000)
    page.goto(base + "/for-you")
    assert page.locator(f'.pick[data-paper="{gone}"]').count() == 0

    # 4. save the next pick to a new collection from its paper page
    keep = page.locator(".pick").first.get_attribute("data-paper")
    page.goto(f"{base}/papers/{keep}")
    form = page.locator("form.save-to-collection").first
    form.locator("input[name=new_collection]").fill("To read")
    form.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    # 5. the collection, exported as BibTeX from its page
    page.goto(base + "/collections")
    page.get_by_role("link", name="To read").first.click()
    page.wait_for_load_state()
    assert keep in page.content()
    href = page.locator(".export").get_by_role("link", name="BibTeX").get_attribute("href")
    answer = page.request.get(base + href if href.startswith("/") else href)
    assert answer.ok and "bibtex" in answer.headers["content-type"]
    lib = bibtexparser.parse_string(answer.text())
    assert [e.fields_dict["eprint"].value for e in lib.entries] == [keep]
