"""The topic map in Chromium (issue 25, acceptance 2): open /topics, point at a dot and see its
title, click it and reach the paper's page; pan and zoom do not break it; no script error under
the site's CSP."""

from __future__ import annotations

import re
from datetime import date

import pytest

from paperboy.topics import build
from tests.helpers import screenshot
from tests.topics.conftest import load_sample

pytestmark = pytest.mark.e2e


@pytest.fixture
def hub(conn, tmp_path):
    load_sample(conn, tmp_path, step=30)
    return build.run(conn, since=date(1900, 1, 1))


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
