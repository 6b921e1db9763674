"""Where code, stars and the Hub's repos show (issue 23): the paper page's code card and
"Built on this paper", the cards' code badge, the HF-shaped API in Hugging Face's shapes
(read by the official huggingface_hub client from a live paperboy), /trending?with=code,
and a repository linked by a member and corrected by a curator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from paperboy import enrich
from paperboy.papers.record import Paper
from paperboy.papers.store import store_batch
from tests.community.people import sign_in, token_for
from tests.e2e.conftest import serve
from tests.enrich.code_standin import HUB_PAPER
from tests.fixtures.web import app, client  # noqa: F401 - the web app over the test's database
from tests.helpers import Page, import_files, shared

DAY = date(2026, 7, 20)  # after the recorded 2026-07 lists: the reference day of Trending


def _seed_a_week_of_history(conn) -> None:
    """A week ago octocat/Hello-World had 1,400 stars (GitHub's recorded answer says 1,437)."""
    conn.execute("INSERT INTO github_repos (repo, full_name, stars) VALUES ('octocat/hello-world', 'octocat/Hello-World', 1400)")
    conn.execute("INSERT INTO github_star_history VALUES ('octocat/hello-world', current_date - 8, 1400)")


@pytest.fixture
def enriched(db, conn, ccfg, hubs):
    import_files(conn, [shared("hf-api-recorded", "daily_papers.2026-07-14.json")])
    store_batch(conn, [
        Paper(title="Hello worlds", source="hf-api", arxiv_id="2607.20001", upvotes=1, listed_on=DAY,
              github_repo="https://github.com/octocat/Hello-World"),
        Paper(title="Cassettes for tests", source="hf-api", arxiv_id="2607.20002", upvotes=3, listed_on=DAY,
              comment="Code: https://github.com/vcr/vcr"),
        Paper(title="A popular paper without code", source="hf-api", arxiv_id="2607.20003", upvotes=50, listed_on=DAY),
    ])
    _seed_a_week_of_history(conn)
    conn.commit()
    outcome = enrich.run(db, ccfg, sources=["github", "hub"], ids=["2607.20001", "2607.20002", "2607.20003", HUB_PAPER])
    assert not outcome.failed, outcome
    return outcome


def _code_card(browser, pid: str) -> tuple[Page, str]:
    page = Page(browser.get(f"/papers/{pid}").text)
    return page, " ".join(page.find("section", id="code").text.split())


def test_the_page_shows_the_code_card_and_what_is_built_on_the_paper(enriched, client):  # noqa: F811
    page, card = _code_card(client, "2607.20001")
    [repo] = page.find_all("a", class_="repo")
    assert (repo.text, repo.attrs["href"]) == ("octocat/Hello-World", "https://github.com/octocat/Hello-World")
    assert page.find("span", class_="stars").text == "★ 1,437 stars"
    assert page.find("span", class_="star-growth").text == "+37 this week"
    _, vcr = _code_card(client, "2607.20002")
    assert "vcr/vcr" in vcr and "found in the arXiv comment" in vcr
    hub = Page(client.get(f"/papers/{HUB_PAPER}").text)
    built = " ".join(hub.find("section", id="hub").text.split())
    assert "Models (7)" in built and "Datasets (1)" in built and "Spaces (1)" in built
    models = [a.attrs["href"] for a in hub.find_all("a", class_="hub-models")]
    assert models[:2] == ["https://huggingface.co/example-lab/druggen-2",
                          "https://huggingface.co/example-lab/druggen-2-small"]
    assert len(models) == 5  # the top few; the count says how many in all
    assert [a.attrs["href"] for a in hub.find_all("a", class_="hub-spaces")] == \
        ["https://huggingface.co/spaces/example-lab/DrugGen-2"]
    assert Page(client.get("/papers/2607.20003").text).find("section", id="hub") is None  # nothing built on it
    # cards: a code badge with the stars
    listed = Page(client.get("/papers?date=2026-07-20").text)
    badges = {" ".join(b.text.split()) for b in listed.find_all("a", class_="code-badge")}
    assert badges == {"Code ★ 1437", "Code ★ 4248"}


def test_the_api_has_them_in_hugging_faces_shapes(enriched, conn, client):  # noqa: F811
    got = client.get(f"/api/papers/{HUB_PAPER}").json()
    assert got["githubRepo"] == "https://github.com/alimotahharynia/DrugGen-2"  # from HF's record
    assert got["githubStars"] == 5  # HF's count: GitHub (the stand-in) does not know the repository
    assert got["projectPage"] == "https://huggingface.co/spaces/alimotahharynia/DrugGen-2"
    assert (got["numTotalModels"], got["numTotalDatasets"], got["numTotalSpaces"]) == (7, 1, 1)
    assert got["linkedModels"][0] == {"id": "example-lab/druggen-2", "author": "example-lab", "likes": 12,
                                      "downloads": 1520, "lastModified": "2026-07-11T08:00:00.000Z",
                                      "pipeline_tag": "text-generation", "private": False, "gated": False}
    assert [d["id"] for d in got["linkedDatasets"]] == ["example-lab/druggen-2-pairs"]
    hello = client.get("/api/papers/2607.20001").json()
    assert (hello["githubRepo"], hello["githubStars"]) == ("https://github.com/octocat/Hello-World", 1437)
    assert hello["numTotalModels"] == 0 and hello["linkedModels"] == []  # asked: the Hub has none
    day = conn.execute("SELECT listed_on FROM papers WHERE id = %s", (HUB_PAPER,)).fetchone()["listed_on"]
    [item] = [i for i in client.get(f"/api/daily_papers?date={day.isoformat()}&limit=100").json()
              if i["paper"]["id"] == HUB_PAPER]
    assert item["paper"]["numTotalModels"] == 7 and item["paper"]["linkedSpaces"][0]["id"] == "example-lab/DrugGen-2"


def test_trending_with_code_counts_star_growth(enriched, client):  # noqa: F811
    ids = [i["paper"]["id"] for i in client.get("/api/daily_papers?sort=trending&limit=100").json()]
    # by votes alone: the popular paper without code first, 3 votes before 1
    assert ids.index("2607.20003") < ids.index("2607.20002") < ids.index("2607.20001")
    with_code = [i["paper"]["id"] for i in client.get("/api/daily_papers?sort=trending&with=code&limit=100").json()]
    # with code: 1 vote and 37 new stars (3.7 votes' worth) beat 3 votes and no new stars; no code, not listed
    assert with_code.index("2607.20001") < with_code.index("2607.20002") and "2607.20003" not in with_code
    assert all(i["paper"]["githubRepo"] for i in client.get("/api/daily_papers?sort=trending&with=code").json())
    page = Page(client.get("/trending?with=code").text)
    shown = [a.attrs["href"] for a in page.find_all("a", class_="title")]
    assert shown == [f"/papers/{i}" for i in with_code[:len(shown)]] and "/papers/2607.20003" not in shown
    assert "GitHub stars gained this week ÷ 10" in page.find("p", id="formula").text
    assert client.get("/api/daily_papers?sort=trending&with=nothing").status_code == 400


def test_a_member_links_code_and_a_curator_corrects_it(db, conn, client):  # noqa: F811
    store_batch(conn, [Paper(title="No code yet", source="hf-api", arxiv_id="2607.20009", listed_on=DAY)])
    conn.commit()
    assert "hidden" in Page(client.get("/papers/2607.20009").text).find("form", class_="code-form").attrs
    csrf = sign_in(client, conn, "ada@example.org")
    assert "hidden" not in Page(client.get("/papers/2607.20009").text).find("form", class_="code-form").attrs
    r = client.post("/papers/2607.20009/code", data={"repo": "https://github.com/vcr/vcr", "csrf": csrf},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/papers/2607.20009#code"
    row = conn.execute("SELECT github_repo, field_sources FROM papers WHERE id = '2607.20009'").fetchone()
    assert (row["github_repo"], row["field_sources"]["github_repo"]) == ("https://github.com/vcr/vcr", "member")
    assert conn.execute("SELECT status FROM enrich_state WHERE paper_id = '2607.20009' AND source = 'github'"
                        ).fetchone()["status"] == "pending"  # its stars are read next round
    assert "added by a member" in _code_card(client, "2607.20009")[1]
    # without the form token: refused
    assert client.post("/papers/2607.20009/code", data={"repo": "a/b"}, follow_redirects=False).status_code == 403
    bob = token_for(conn, "bob@example.org")
    again = client.post("/api/papers/2607.20009/code", json={"githubRepo": "octocat/Hello-World"}, headers=bob)
    assert again.status_code == 409 and "a curator can correct it" in again.text
    assert client.post("/api/papers/2607.20009/code", json={"githubRepo": "not a repo"}, headers=bob).status_code == 400
    assert client.post("/api/papers/nope/code", json={"githubRepo": "a/b"}, headers=bob).status_code == 404
    cur = token_for(conn, "cy@example.org", "curator")
    fixed = client.post("/api/papers/2607.20009/code", json={"githubRepo": "https://github.com/octocat/Hello-World"},
                        headers=cur)
    assert fixed.status_code == 200 and fixed.json() == {"id": "2607.20009", "githubRepo":
                                                        "https://github.com/octocat/Hello-World",
                                                        "githubRepoSource": "curator"}
    assert client.get("/api/papers/2607.20009").json()["githubRepo"] == "https://github.com/octocat/Hello-World"
    # the member's page no longer offers the form (a repository is known): only curators see it
    assert "hidden" in Page(client.get("/papers/2607.20009").text).find("form", class_="code-form").attrs
    assert conn.execute("SELECT count(*) AS n FROM moderation_log WHERE action = 'set-code'").fetchone()["n"] == 1


def test_linking_code_is_rate_limited(db, conn, client):  # noqa: F811
    store_batch(conn, [Paper(title=f"Paper {n}", source="hf-api", arxiv_id=f"2607.2{n:04d}", listed_on=DAY)
                       for n in range(100, 122)])
    conn.commit()
    ada = token_for(conn, "ada@example.org")
    codes = [client.post(f"/api/papers/2607.2{n:04d}/code", json={"githubRepo": f"ada/repo-{n}"}, headers=ada).status_code
             for n in range(100, 122)]
    assert codes[:20] == [200] * 20 and codes[20:] == [429, 429]


@pytest.fixture
def live(db_url: str, enriched, tmp_path: Path) -> Iterator[str]:
    proc, base = serve(db_url, tmp_path / "home", PAPERBOY_CACHE_SECONDS="0")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_the_official_client_reads_stars_and_linked_models(live):
    info = HfApi(endpoint=live, token=False).paper_info(HUB_PAPER)
    assert info.github_repo == "https://github.com/alimotahharynia/DrugGen-2" and info.github_stars == 5
    assert info.linked_models is not None and [m.id for m in info.linked_models][:2] == \
        ["example-lab/druggen-2", "example-lab/druggen-2-small"]
    assert info.linked_models[0].likes == 12 and info.linked_models[0].downloads == 1520
    assert info.num_total_models == 7 and info.num_total_datasets == 1
    assert info.numTotalSpaces == 1  # this client has no field of its own for it: kept as sent
    assert [s.id for s in info.linked_spaces] == ["example-lab/DrugGen-2"]
    assert [d.id for d in info.linked_datasets] == ["example-lab/druggen-2-pairs"]
    hello = HfApi(endpoint=live, token=False).paper_info("2607.20001")
    assert hello.github_stars == 1437 and hello.linked_models == []
