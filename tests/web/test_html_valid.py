"""Every page of a filled hub, as a visitor, a member, a curator and an admin see it, parses as
HTML5 without a single parse error (html5lib, the spec's parsing algorithm). A browser
repairs invalid nesting silently and renders something else: a vote form inside a paragraph
closed the paragraph and became an 800 px unstyled column (issue: a real user's first hour,
item 2)."""

from __future__ import annotations

from collections.abc import Iterator

import html5lib
import pytest
from fastapi.testclient import TestClient

from paperboy.db import Database
from paperboy.web.app import create_app
from tests import pages
from tests.community.people import sign_in
from tests.helpers import database


@pytest.fixture(scope="module")
def filled(pg_server, tmp_path_factory) -> Iterator[tuple[str, pages.Hub, Database]]:
    """One filled hub for the module (read-only here): a database of its own."""
    with database(pg_server) as url:
        db = Database(url, max_size=4).open()
        with db.connection() as conn:
            hub = pages.fill(conn, tmp_path_factory.mktemp("pages-home"))
        yield url, hub, db
        db.close()


def parse_errors(html: str) -> list[str]:
    """Every HTML5 parse error of ``html`` (html5lib, the spec's parser), with its line."""
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    parser.parse(html)
    lines = html.splitlines()
    return [f"line {line}: {code} {data or ''}\n      {lines[line - 1].strip()[:200] if 0 < line <= len(lines) else ''}"
            for (line, _col), code, data in parser.errors]


@pytest.mark.parametrize("role", pages.ROLES)
def test_every_page_parses_as_strict_html(filled, role):
    _, hub, db = filled
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)
    if role != "anonymous":
        with db.connection() as conn:
            sign_in(client, conn, pages.EMAILS[role], role)
    bad = []
    for path in hub.pages[role]:
        r = client.get(path)
        assert r.status_code in (200, 400, 404), (role, path, r.status_code)
        assert r.headers["content-type"].startswith("text/html"), (role, path)
        bad += [f"{path} {e}" for e in parse_errors(r.text)]
    assert not bad, "\n".join(bad)


def test_the_checker_refuses_invalid_nesting():
    """The check can fail: a form inside a paragraph is refused, as the old vote button was."""
    ok = '<!doctype html><html lang="en"><head><title>x</title></head><body>{}</body></html>'
    assert parse_errors(ok.format('<div class="meta"><form method="post"><button>▲ 1</button></form></div>')) == []
    [error] = parse_errors(ok.format('<p class="meta"><form method="post"><button>▲ 1</button></form></p>'))
    assert "unexpected-end-tag" in error and "line 1" in error
