"""The topics' JSON API (exact shapes), pages, the Atom feed (read by feedparser) and the CLI,
over a real build of a sample of the arXiv papers."""

from __future__ import annotations

import json
import re
from datetime import date

import feedparser
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from paperboy import recommend
from paperboy.cli import app as cli
from paperboy.db import locks
from paperboy.topics import build
from paperboy.web.app import create_app
from paperboy.web.routes import topics as topic_routes
from tests.community.people import sign_in
from tests.helpers import Page
from tests.topics.conftest import load_sample

TOPIC_KEYS = {"id", "label", "keywords", "size", "weekly", "growth"}


def test_api_pages_feed_and_cli(db, db_url, conn, tmp_path, monkeypatch):
    load_sample(conn, tmp_path, step=40)
    done = build.run(conn, since=date(1900, 1, 1))  # all time: every paper of the sample
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path), raise_server_exceptions=False)

    topics = client.get("/api/topics").json()
    assert len(topics) == len(done.ids) >= 10
    assert all(set(t) == TOPIC_KEYS for t in topics)
    assert sum(t["size"] for t in topics) == done.papers
    assert [t["size"] for t in topics] == sorted((t["size"] for t in topics), reverse=True)
    first = topics[0]
    assert all(set(w) == {"week", "n"} for w in first["weekly"]) and isinstance(first["growth"], float)
    recent = client.get("/api/topics", params={"since": "2026-06-01", "until": "2026-06-30"}).json()
    assert 0 < sum(t["size"] for t in recent) < done.papers
    assert all("2026-05-25" <= w["week"] <= "2026-06-30" for t in recent for w in t["weekly"])
    assert client.get("/api/topics", params={"since": "2026-06-30", "until": "2026-06-01"}).status_code == 400

    one = client.get(f"/api/topics/{first['id']}", params={"limit": 5})
    assert one.status_code == 200
    body = one.json()
    assert TOPIC_KEYS | {"active", "papers"} == set(body) and body["active"] is True
    assert len(body["papers"]) == 5 and {"id", "title", "summary", "authors", "publishedAt"} <= set(body["papers"][0])
    member_ids = {r["paper_id"] for r in conn.execute("SELECT paper_id FROM topic_papers WHERE topic_id = %s",
                                                      (first["id"],))}
    assert {p["id"] for p in body["papers"]} <= member_ids
    assert client.get("/api/topics/999999").status_code == 404
    assert client.get("/api/topics/0").status_code == 404

    points = client.get("/api/topics/map")
    assert points.headers["X-Total-Count"] == str(done.papers) and points.headers["X-Sampled"] == "false"
    data = points.json()
    assert len(data) == done.papers and set(data[0]) == {"id", "x", "y", "topic"}
    assert {p["topic"] for p in data} == {t["id"] for t in topics}
    sample = client.get("/api/topics/map", params={"limit": 100})
    assert sample.headers["X-Sampled"] == "true" and len(sample.json()) == 100
    assert sample.json() == client.get("/api/topics/map", params={"limit": 100}).json()  # the same sample
    assert client.get("/api/topics/map", params={"limit": 100_001}).status_code == 400
    assert client.get("/api/topics/map/mine").status_code == 401
    # the map's points travel gzipped to a client that asks (web/compress.py), plain otherwise
    zipped = client.get("/api/topics/map", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.json() == points.json()
    assert int(zipped.headers["content-length"]) < len(zipped.content) / 2
    plain = client.get("/api/topics/map", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == points.json()
    assert "content-encoding" not in client.get("/api/topics", headers={"Accept-Encoding": "gzip"}).headers
    cached = TestClient(create_app(db, cache_seconds=60, rate_limit=0, home=tmp_path))
    for enc, cache in (("gzip", "miss"), ("gzip", "hit"), ("identity", "hit"), ("gzip", "hit")):
        r = cached.get("/api/topics/map", headers={"Accept-Encoding": enc})  # the cache keeps it plain
        assert r.headers["x-cache"] == cache and r.json() == points.json(), (enc, cache)
        assert r.headers.get("content-encoding") == (None if enc == "identity" else "gzip")
    signed_in_marks(client, conn)
    density(client, done.papers, monkeypatch)

    page = client.get("/topics")
    assert page.status_code == 200
    doc = Page(page.text)
    assert doc.find("link", rel="alternate", type="application/json").attrs["href"] == "/api/topics"
    assert doc.find("canvas", id="topic-map") is not None
    listed = doc.find("ol", id="topic-list")
    assert listed is not None and first["label"] in page.text
    assert "Rising" in page.text or not any(t["growth"] > 0 for t in topics)
    topic_page = client.get(f"/topics/{first['id']}")
    assert topic_page.status_code == 200 and "<svg" in topic_page.text and "Top authors" in topic_page.text
    assert f'href="/feeds/topics/{first["id"]}.atom"' in topic_page.text
    assert Page(topic_page.text).find("link", rel="alternate", type="application/json").attrs["href"] == \
        f"/api/topics/{first['id']}"
    assert client.get("/topics/999999").status_code == 404

    feed = client.get(f"/feeds/topics/{first['id']}.atom")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo and first["label"] in parsed.feed.title
    assert len(parsed.entries) == min(50, first["size"])
    assert all(e.link.startswith("http://testserver/papers/") for e in parsed.entries)
    assert client.get("/feeds/topics/999999.atom").status_code == 404

    runner = CliRunner()
    listed_json = runner.invoke(cli, ["topics", "list", "--json"], env={"DATABASE_URL": db_url})
    assert listed_json.exit_code == 0, listed_json.output
    assert json.loads(listed_json.stdout) == topics
    built = runner.invoke(cli, ["topics", "build", "--since", "1900-01-01"], env={"DATABASE_URL": db_url, "COLUMNS": "200"})
    assert built.exit_code == 0, built.output
    # the table wraps labels to the console's width (fixed when the console module was first
    # imported, perhaps by another test): its first keyword is there whole
    assert re.search(r"\b\d+ topics\b", built.stdout) and first["label"].split(",")[0] in built.stdout
    assert {t["id"] for t in client.get("/api/topics").json()} == {t["id"] for t in topics}  # a rebuild keeps ids

    # serve's schedule: nothing while the last build is younger than PAPERBOY_TOPICS_EVERY, nor
    # while another process holds the lock; a build once it is due
    assert build.run_due(db, 3600) is None
    with db.connection() as other:
        locks.lock(other, locks.TOPICS)
        other.commit()
        assert build.run_due(db, 1e-6) is None
        locks.unlock(other, locks.TOPICS)
        other.commit()
    due = build.run_due(db, 1e-6)
    assert due is not None and due.until == date(2026, 7, 1) and due.since == date(2026, 4, 3)  # the default 90 days
    assert 0 < due.papers < done.papers and len(due.ids) == len(client.get("/api/topics").json())
    assert build.run_due(db, None) is None  # off


def signed_in_marks(client, conn) -> None:
    """A member with three upvotes and a fitted model: the map marks those papers (``ids``)
    and their For you picks (``picks``: the first page of /for-you, best first, on the map)."""
    sign_in(client, conn, "ada@example.org")
    member = conn.execute("SELECT id FROM members WHERE email = 'ada@example.org'").fetchone()["id"]
    voted = [r["paper_id"] for r in conn.execute(
        "SELECT paper_id FROM topic_papers WHERE topic_id = (SELECT min(id) FROM topics WHERE active)"
        " ORDER BY paper_id LIMIT 3")]
    for pid in voted:
        conn.execute("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s)", (pid, member))
    conn.commit()
    assert recommend.refresh_member(conn, member)
    conn.commit()
    marks = client.get("/api/topics/map/mine")
    assert marks.status_code == 200 and marks.headers["cache-control"] == "no-store"
    body = marks.json()
    assert set(body) == {"ids", "picks"}
    assert body["ids"] == sorted(voted)
    on_map = {r["paper_id"] for r in conn.execute("SELECT paper_id FROM topic_papers")}
    expected = [p.paper_id for p in recommend.recommend(conn, member, limit=20).items]
    assert not recommend.recommend(conn, member, limit=20).cold_start  # picks of the model, not trending
    assert len(body["picks"]) >= 5 and body["picks"] == [p for p in expected if p in on_map]
    assert not set(body["picks"]) & set(voted)  # a pick is a paper they have not marked yet
    client.cookies.clear()


def density(client, papers: int, monkeypatch) -> None:
    """The grid counts every point of the build once; the page asks for it (and says so in
    its legend) only when the build holds more papers than the page draws."""
    grid = client.get("/api/topics/map/density").json()
    assert set(grid) == {"x0", "y0", "x1", "y1", "nx", "ny", "cells"} and grid["x0"] < grid["x1"]
    assert sum(n for _, _, n in grid["cells"]) == papers
    assert all(0 <= i < grid["nx"] and 0 <= j < grid["ny"] and n > 0 for i, j, n in grid["cells"])
    assert len({(i, j) for i, j, _ in grid["cells"]}) == len(grid["cells"]) > 20
    assert "data-density" not in client.get("/topics").text  # all of them drawn: no shading
    monkeypatch.setattr(topic_routes, "MAP_ON_PAGE", 100)
    page = client.get("/topics").text
    assert 'data-density="/api/topics/map/density"' in page and f"where all {papers} papers are" in page
