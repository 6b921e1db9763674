"""The topic map in Chromium (issue 25, acceptance 2): open /topics, point at a dot and see its
title, click it and reach the paper's page; pan and zoom do not break it; no script error under
the site's CSP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import expect

from paperboy import recommend
from paperboy.community import sessions
from paperboy.digest.subscriptions import secret_key
from paperboy.topics import build
from tests.community.people import add
from tests.fixtures.templates import filled_template
from tests.helpers import database, screenshot
from tests.topics.conftest import load_sample

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, build.Outcome]]:
    """Every 30th arXiv paper with its vector and a topic build over them, filled once into a
    template (the build takes seconds); each test's database is a clone of it."""
    made: list[build.Outcome] = []

    def fill(conn) -> None:
        load_sample(conn, tmp_path_factory.mktemp("topics-map"), step=30)
        made.append(build.run(conn, since=date(1900, 1, 1)))

    with filled_template(pg_server, "tmap_", fill) as name:
        yield name, made[0]


@pytest.fixture
def db_url(pg_server: str, built) -> Iterator[str]:
    with database(pg_server, template=built[0]) as url:
        yield url


@pytest.fixture
def hub(built) -> build.Outcome:
    return built[1]


def test_hover_a_point_then_click_it_to_reach_the_paper(page, server, hub, conn):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server + "/topics")
    page.wait_for_selector("#topic-map[data-ready]")
    assert int(page.get_attribute("#topic-map", "data-ready")) == hub.papers
    screenshot(page, "topics-map")
    # zoom in around the centre and pan a little, as a reader would, before pointing
    page.click("button[data-zoom='1.5']")
    box = page.locator("#topic-map").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 230, box["y"] + 215, steps=4)
    page.mouse.up()
    n = page.evaluate("window.topicMap.points().length")
    target = None
    for i in range(0, n, max(1, n // 50)):  # a point drawn inside the canvas
        at = page.evaluate("i => window.topicMap.screenOf(i)", i)
        if box["x"] + 10 < at["x"] < box["x"] + box["width"] - 10 and box["y"] + 10 < at["y"] < box["y"] + box["height"] - 10:
            target = at
            break
    assert target is not None
    page.mouse.move(target["x"], target["y"])
    tip = page.locator("#topic-map-tip")
    titles = {r["id"]: r["title"] for r in conn.execute("SELECT id, title FROM papers")}
    page.wait_for_function("() => { const t = document.querySelector('#topic-map-tip').textContent;"
                           " return t && !/^\\d{4}\\.\\d+/.test(t); }")  # the title, not only the id
    shown = tip.text_content()
    assert any(shown.startswith(t) for t in titles.values()), shown
    page.mouse.click(target["x"], target["y"])
    page.wait_for_url(re.compile(r"/papers/"))
    paper_id = page.url.split("/papers/", 1)[1]
    assert shown.startswith(titles[paper_id])
    assert titles[paper_id] in page.locator("h1").first.text_content()
    assert not errors, errors


def test_a_members_papers_and_for_you_picks_are_marked_with_a_legend(page, server, hub, conn):
    """Signed in with three upvotes and a fitted model, the map rings their papers and draws
    their For you picks as diamonds; the legend names both with their counts."""
    member = add(conn, "ada@example.org")
    voted = [r["paper_id"] for r in conn.execute(
        "SELECT paper_id FROM topic_papers ORDER BY hashtext(paper_id) LIMIT 3")]
    for pid in voted:
        conn.execute("INSERT INTO votes (paper_id, member_id) VALUES (%s, %s)", (pid, member.id))
    conn.commit()
    assert recommend.refresh_member(conn, member.id)
    cookie = sessions.start(conn, secret_key(conn, None), member.id, days=30)
    conn.commit()
    on_map = {r["paper_id"] for r in conn.execute("SELECT paper_id FROM topic_papers")}
    picks = [p.paper_id for p in recommend.recommend(conn, member.id, limit=20).items if p.paper_id in on_map]
    assert picks

    page.goto(server + "/topics")  # no one: no marks, no legend lines for them
    page.wait_for_selector("#topic-map[data-ready]")
    expect(page.locator("#legend-picks")).to_be_hidden()
    page.context.add_cookies([{"name": sessions.COOKIE, "value": cookie, "url": server}])
    page.goto(server + "/topics")
    page.wait_for_selector("#topic-map[data-marked]")
    marked = page.evaluate("window.topicMap.marked()")
    assert marked == {"mine": sorted(voted), "picks": sorted(picks)}
    expect(page.locator("#legend-mine")).to_be_visible()
    expect(page.locator("#legend-mine")).to_contain_text(f"your papers (upvoted, saved, in your library): {len(voted)}")
    expect(page.locator("#legend-picks")).to_be_visible()
    expect(page.locator("#legend-picks")).to_contain_text(f"For you picks, your interests are here: {len(picks)}")
    # a pick is drawn: the canvas there has the picks' colour
    i = next(k for k, p in enumerate(page.evaluate("window.topicMap.points()")) if p["id"] == picks[0])
    at = page.evaluate("i => window.topicMap.screenOf(i)", i)
    box = page.locator("#topic-map").bounding_box()
    scale = 900 / box["width"]
    near = page.evaluate("""([x, y]) => { const c = document.getElementById('topic-map');
        const d = c.getContext('2d').getImageData(x - 3, y - 3, 7, 7).data, out = [];
        for (let k = 0; k < d.length; k += 4) out.push([d[k], d[k + 1], d[k + 2]]); return out; }""",
                         [round((at["x"] - box["x"]) * scale), round((at["y"] - box["y"]) * scale - 7)])
    pick_colours = ([0xC2, 0x00, 0x6B], [0xFF, 0x6F, 0xB5])  # --pick, light and dark
    assert any(max(abs(a - b) for a, b in zip(px, c, strict=True)) < 40 for px in near for c in pick_colours), near
    screenshot(page, "topics-map-member")
