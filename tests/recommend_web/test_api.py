"""GET /api/recommendations and "not interested" through the API: who may ask, the period,
explanations that point at the member's own papers, cold start, and a pick leaving at once."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient

from paperboy import config, recommend
from paperboy.community import members
from paperboy.web.app import create_app
from tests.community.people import sign_in, token_for
from tests.recommend_web.conftest import ALL_TIME, VIDEO, upvote_all

API = "/api/recommendations"


def _member(conn, email: str = "ada@example.org", ids: list[str] = VIDEO, fit: bool = True) -> dict[str, str]:
    """Bearer headers of a member who upvoted ``ids`` (refitted when ``fit``)."""
    headers = token_for(conn, email)
    upvote_all(conn, members.by_email(conn, email).id, ids, fit)
    return headers


def test_only_a_member_may_ask(client, conn):
    r = client.get(API)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/json")
    assert "Sign in" in r.json()["error"] and r.headers["www-authenticate"] == "Bearer"
    bad = client.get(API, headers={"Authorization": "Bearer pb_not-a-token"})
    assert bad.status_code == 401 and "not valid" in bad.json()["error"]
    assert client.post(f"{API}/{VIDEO[0]}/not-interested").status_code == 401
    assert client.delete(f"{API}/{VIDEO[0]}/not-interested").status_code == 401


def test_dates_are_read_as_search_reads_them(client, conn):
    headers = token_for(conn, "ada@example.org")
    for query, words in [("since=2024-13-01", "since must look like"), ("until=yesterday", "until must look like"),
                         ("since=1800-01-01", "1900-01-01 to 2099-12-31"),
                         ("since=2024-11-08&until=2024-11-01", "until must not be before since"),
                         ("limit=101", "limit"), ("limit=0", "limit"), ("offset=-1", "offset")]:
        r = client.get(f"{API}?{query}", headers=headers)
        assert r.status_code == 400, query
        assert words in r.json()["error"], (query, r.json())
    assert client.get(f"{API}?since={ALL_TIME}", headers=headers).status_code == 200


def test_cold_start_answers_trending_and_says_so(client, conn):
    headers = _member(conn, ids=VIDEO[:2])
    r = client.get(API, headers=headers)
    assert r.status_code == 200
    assert r.headers["x-paperboy-cold-start"] == "1" and r.headers["x-paperboy-signals"] == "2"
    assert "no-store" in r.headers["cache-control"]
    items = r.json()
    assert items and all(i["because"] == [] for i in items)
    trending = [t["paper"]["id"] for t in client.get("/api/trending?limit=100").json()]
    ids = [i["id"] for i in items]
    assert len(ids) == 20 and ids == [t for t in trending if t in ids]  # trending, in its order
    assert set(ids[:3]) <= set(trending[:5])
    assert {"title", "summary", "authors", "upvotes", "arxivId", "score", "because"} <= set(items[0])


def test_picks_are_explained_by_the_members_own_papers(client, conn):
    headers = _member(conn)
    r = client.get(f"{API}?since={ALL_TIME}&limit=10", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["x-paperboy-cold-start"] == "0" and r.headers["x-paperboy-signals"] == str(len(VIDEO))
    assert r.headers["x-paperboy-pending"] == "0"
    items = r.json()
    assert len(items) == 10 and 'rel="next"' in r.headers["link"] and "offset=10" in r.headers["link"]
    titles = {pid: conn.execute("SELECT title FROM papers WHERE id = %s", (pid,)).fetchone()["title"] for pid in VIDEO}
    # the real picks first, each explained; then trending papers fill the page, explained by nothing
    picked = [i for i in items if not i["trending"]]
    assert len(picked) >= 5 and items[:len(picked)] == picked
    for item in items:
        assert item["id"] not in VIDEO and isinstance(item["score"], float)
        assert (1 <= len(item["because"]) <= 2) if not item["trending"] else not item["because"], item
        for b in item["because"]:
            assert b["id"] in VIDEO and b["kind"] == "upvoted"
            assert b["title"] == titles[b["id"]] and b["url"] == f"/papers/{b['id']}"
    scores = [i["score"] for i in picked]
    assert scores == sorted(scores, reverse=True)
    # one topic in, the same topic out: most of the first picks are about video
    about_video = [i for i in items[:5] if "video" in (i["title"] + i["summary"]).lower()]
    assert len(about_video) >= 3, [i["title"] for i in items[:5]]
    # the next page carries on where this one stopped
    more = client.get(f"{API}?since={ALL_TIME}&limit=10&offset=10", headers=headers).json()
    assert more and not {i["id"] for i in more} & {i["id"] for i in items}
    # by default: papers of the last PAPERBOY_FOR_YOU_DAYS days (14: this whole corpus)
    default = client.get(API, headers=headers).json()
    assert [i["id"] for i in default] == [i["id"] for i in client.get(f"{API}?since={ALL_TIME}", headers=headers).json()]
    days = client.get(f"{API}?since=2024-11-04&until=2024-11-06", headers=headers).json()
    listed = {r["paper_id"] for r in conn.execute(
        "SELECT paper_id FROM listings WHERE day BETWEEN '2024-11-04' AND '2024-11-06'")}
    assert days and {i["id"] for i in days if not i["trending"]} <= listed


def test_not_interested_removes_at_once_and_teaches_the_model(client, conn):
    headers = _member(conn)
    first = client.get(f"{API}?since={ALL_TIME}", headers=headers).json()
    top = first[0]["id"]
    r = client.post(f"{API}/{top}/not-interested", headers=headers)
    assert r.status_code == 200 and r.json() == {"ok": True, "id": top}
    assert client.post(f"{API}/{top}/not-interested", headers=headers).status_code == 200  # again: no change
    after = client.get(f"{API}?since={ALL_TIME}", headers=headers)
    assert top not in [i["id"] for i in after.json()]  # at once, before any refit
    assert after.headers["x-paperboy-pending"] == "1"  # and the model is to learn it
    recommend.refresh_stale(conn)
    conn.commit()
    refitted = client.get(f"{API}?since={ALL_TIME}", headers=headers)
    assert refitted.headers["x-paperboy-pending"] == "0" and top not in [i["id"] for i in refitted.json()]
    model = conn.execute("SELECT negatives FROM recommender_models m JOIN members u ON u.id = m.member_id"
                         " WHERE u.email = 'ada@example.org'").fetchone()
    assert model["negatives"] >= 1  # learnt as a negative
    # undo: the paper may be picked again
    undo = client.delete(f"{API}/{top}/not-interested", headers=headers)
    assert undo.status_code == 200 and undo.json() == {"ok": True, "id": top}
    recommend.refresh_stale(conn)
    conn.commit()
    assert top in [i["id"] for i in client.get(f"{API}?since={ALL_TIME}&limit=50", headers=headers).json()]


def test_not_interested_needs_a_known_paper_and_csrf_by_cookie(client, conn):
    bob = token_for(conn, "bob@example.org")
    missing = client.post(f"{API}/9999.99999/not-interested", headers=bob)
    assert missing.status_code == 404 and "9999.99999" in missing.json()["error"]
    for odd in ("a%00b", "x" * 300):
        assert client.post(f"{API}/{odd}/not-interested", headers=bob).status_code == 404
        assert client.delete(f"{API}/{odd}/not-interested", headers=bob).status_code == 404
    csrf = sign_in(client, conn, "cy@example.org")
    refused = client.post(f"{API}/{VIDEO[0]}/not-interested")
    assert refused.status_code == 403 and "security token" in refused.json()["error"]
    wrong = client.post(f"{API}/{VIDEO[0]}/not-interested", headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    member = members.by_email(conn, "cy@example.org")
    assert conn.execute("SELECT count(*) AS n FROM not_interested WHERE member_id = %s", (member.id,)).fetchone()["n"] == 0
    ok = client.post(f"{API}/{VIDEO[0]}/not-interested", headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200 and ok.json()["id"] == VIDEO[0]
    assert conn.execute("SELECT paper_id FROM not_interested WHERE member_id = %s", (member.id,)).fetchone()["paper_id"] == VIDEO[0]


def test_not_interested_is_rate_limited_like_votes(db, conn):
    cfg = config.load()
    cfg = dataclasses.replace(cfg, community=dataclasses.replace(cfg.community, votes_per_minute=2))
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0, cfg=cfg), raise_server_exceptions=False)
    headers = token_for(conn, "ada@example.org")
    assert [client.post(f"{API}/{pid}/not-interested", headers=headers).status_code for pid in VIDEO[:2]] == [200, 200]
    r = client.delete(f"{API}/{VIDEO[0]}/not-interested", headers=headers)
    assert r.status_code == 429 and "at most 2 a minute" in r.json()["error"] and r.headers["retry-after"]
    ada = members.by_email(conn, "ada@example.org")
    marked = conn.execute("SELECT count(*) AS n FROM not_interested WHERE member_id = %s", (ada.id,)).fetchone()
    assert marked["n"] == 2  # the refused call changed nothing
    assert client.post(f"{API}/{VIDEO[0]}/not-interested",
                       headers=token_for(conn, "bob@example.org")).status_code == 200  # others go on


def test_picks_export_as_a_reference_manager_file(client, conn):
    headers = _member(conn)
    picked = [i["id"] for i in client.get(f"{API}?since={ALL_TIME}&limit=5", headers=headers).json()]
    r = client.get(f"{API}?since={ALL_TIME}&limit=5&format=bibtex", headers=headers)
    assert r.status_code == 200 and "bibtex" in r.headers["content-type"]
    assert "for-you.bib" in r.headers["content-disposition"]
    assert all(pid in r.text for pid in picked) and not any(pid in r.text for pid in VIDEO)
    bad = client.get(f"{API}?format=docx", headers=headers)
    assert bad.status_code == 400 and "format must be one of" in bad.json()["error"]
