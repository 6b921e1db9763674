"""A member's first morning, in Chromium against a real `paperboy serve`: sign in by the link
that arrives over SMTP, upvote from the feed without a reload, submit a paper (read from the
arXiv replay), comment and reply, find it all on the account page; then a curator hides the
comment and readers no longer see it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from paperboy.community import members
from tests.digest.conftest import Sink
from tests.e2e.conftest import serve
from tests.fetch.replay import Replay
from tests.helpers import free_port, import_files, shared

SUBMITTED = "1605.08386"  # recorded in shared/data/arxiv-api-recorded (an id_list lookup)


@pytest.fixture
def hub(conn):
    import_files(conn, [shared("hf-daily-papers-2024", f"2024-11-{d:02d}.json") for d in (7, 8)])
    members.add(conn, "curator@lab.example", "curator")
    conn.commit()
    return conn


@pytest.fixture
def world(db_url, tmp_path, hub) -> Iterator[tuple[str, Sink]]:
    sink = Sink()
    port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    arxiv = Replay(shared("arxiv-api-recorded").parent).start()
    proc, base = serve(
        db_url, tmp_path / "home",
        PAPERBOY_SMTP_HOST="127.0.0.1", PAPERBOY_SMTP_PORT=str(port), PAPERBOY_SMTP_SECURITY="none",
        PAPERBOY_MAIL_FROM="paperboy <hub@lab.example>", PAPERBOY_SIGNUP="open",
        PAPERBOY_ARXIV_URL=f"{arxiv.url}/api/query", PAPERBOY_ARXIV_DELAY="0.1",
        PAPERBOY_FETCH_EVERY="off", PAPERBOY_RATE_LIMIT="0",
    )
    yield base, sink
    proc.terminate()
    proc.wait(timeout=10)
    arxiv.stop()
    smtp.stop()


def emailed_link(sink: Sink, to: str, base: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for msg in sink.to(to):
            body = msg.get_body(preferencelist=("plain",)).get_content()
            found = re.search(re.escape(base) + r"/signin/[\w.~-]+", body)
            if found:
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no sign-in email reached {to}")


def sign_in(page, base: str, sink: Sink, address: str) -> None:
    page.goto(base + "/signin")
    page.fill("#signin-email", address)
    page.click("text=Email me a sign-in link")
    assert "a link is on its way" in page.inner_text("main")
    page.goto(emailed_link(sink, address, base))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_a_members_morning_and_a_curators_answer(world, browser):
    base, sink = world
    ada = browser.new_context(viewport={"width": 1100, "height": 900})
    page = ada.new_page()
    sign_in(page, base, sink, "ada@lab.example")
    page.goto(base + "/")
    assert page.inner_text(".account a[href='/account']") == "ada"

    # Upvote the first paper of the feed in place: no reload, the count and state change.
    card = page.locator("article.card").first
    title = card.locator("a.title").inner_text()
    button = card.locator("button.vote-btn")
    before = int(button.locator("b").inner_text())
    page.evaluate("window.stillHere = true")
    button.click()
    page.wait_for_function("b => b.getAttribute('aria-pressed') === 'true'", arg=button.element_handle())
    assert int(button.locator("b").inner_text()) == before + 1
    assert page.evaluate("window.stillHere === true"), "the vote reloaded the page"
    page.reload()  # the shared, cached page comes back marked for ada
    assert page.locator("article.card").first.locator("button.vote-btn").get_attribute("aria-pressed") == "true"

    # Submit a paper by its arXiv URL: it is read from arXiv and lands on its page.
    page.fill("#submit-id", f"https://arxiv.org/abs/{SUBMITTED}")
    page.press("#submit-id", "Enter")
    page.wait_for_url(re.compile(rf"/papers/{re.escape(SUBMITTED)}"))
    submitted_title = page.inner_text("h1")
    assert "ada" in page.inner_text(".paper")

    # Comment (Markdown; LaTeX stays text), then reply to it.
    page.fill("#comment-body", "Lovely **result**; does $a_b * c_d$ hold?")
    page.click(".comment-form button[type=submit]")
    comment = page.locator("article.comment").first
    assert comment.locator(".comment-body strong").inner_text() == "result"
    assert "$a_b * c_d$" in comment.locator(".comment-body").inner_text()
    comment.locator("details.reply-form summary").click()
    comment.locator("details.reply-form textarea").fill("Answering myself: it does.")
    comment.locator("details.reply-form button[type=submit]").click()
    assert "Answering myself" in page.locator("article.comment .replies").first.inner_text()

    # The account page gathers the upvote, the submission and both comments.
    page.goto(base + "/account")
    mine = page.inner_text("main")
    assert title in mine and submitted_title in mine
    assert "Lovely" in mine and "Answering myself" in mine

    # A curator hides the comment: readers see it gone, the moderation log says who.
    curator = browser.new_context().new_page()
    sign_in(curator, base, sink, "curator@lab.example")
    curator.goto(f"{base}/papers/{SUBMITTED}")
    curator.locator("article.comment").first.locator("form.curate button").first.click()
    curator.wait_for_load_state()
    reader = browser.new_context().new_page()
    deadline = time.monotonic() + 5  # another worker's cache may hold the page a second
    while True:
        reader.goto(f"{base}/papers/{SUBMITTED}")
        text = reader.inner_text("#comments")
        if "Lovely" not in text or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert "Lovely" not in text and "hidden by curators" in text
    curator.goto(base + "/moderation")
    assert "curator" in curator.inner_text("main") and "hide" in curator.inner_text("main").lower()
    ada.close()
