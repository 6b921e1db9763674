"""Every page of a filled hub, as each role sees it: what the page checks (strict HTML in
tests/web/test_html_valid.py, axe-core in tests/e2e/test_accessibility.py, the first screen in
tests/e2e/test_first_screen.py) walk through, and what bench/screens.py photographs.

:func:`fill` builds the hub (tests/ops/fill.py's instance with something in every table, plus a
saved listing page whose papers have no arXiv id, an admin, a comment to edit and a subscriber's
preferences link); :func:`pages` lists the paths each role visits on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from paperboy.community import comments, members, signin
from paperboy.digest import subscriptions
from paperboy.follows.store import author_href
from tests.helpers import import_files, shared
from tests.ops.fill import fill as fill_every_table

ROLES = ("anonymous", "member", "curator", "admin")
EMAILS = {"member": "ada@lab.example.org", "curator": "cat@lab.example.org", "admin": "root@lab.example.org"}


@dataclass
class Hub:
    paper: str            # a paper with comments, votes, a pin
    idless: str           # a paper from a saved listing page: no arXiv id, no date
    collection: int       # a public collection
    comment: int          # a comment of the member's
    link: str             # an unused sign-in link
    preferences: str      # a subscriber's preferences link
    topic: int = 0        # a topic (tests/ops/fill.py makes one)
    text: str = ""        # a paper with a stored full text (its Read view)
    author: str = ""      # the page of the paper's first author (/authors/…)
    pages: dict[str, list[str]] = field(default_factory=dict)


def fill(conn: psycopg.Connection, home: Path) -> Hub:
    fill_every_table(conn, home)
    import_files(conn, [shared("hf-papers-pages", "000_caff6e1c431ca1eb.txt")])
    members.add(conn, EMAILS["admin"], "admin")
    conn.commit()
    ada = members.by_email(conn, EMAILS["member"])
    paper = conn.execute("SELECT paper_id FROM comments ORDER BY id LIMIT 1").fetchone()["paper_id"]
    reply = comments.post(conn, ada, paper, "A second thought, with `code` and a [link](https://example.org).")
    idless = conn.execute("SELECT id FROM papers WHERE arxiv_id IS NULL ORDER BY id LIMIT 1").fetchone()["id"]
    collection = conn.execute("SELECT id FROM collections WHERE public ORDER BY id LIMIT 1").fetchone()["id"]
    link = signin.new_link(conn, EMAILS["member"])
    reader = subscriptions.by_email(conn, "reader@lab.example.org")
    secret = subscriptions.secret_key(conn, None)
    topic = conn.execute("SELECT id FROM topics ORDER BY id LIMIT 1").fetchone()["id"]
    conn.commit()
    text = conn.execute("SELECT paper_id FROM fulltexts WHERE status = 'text' ORDER BY paper_id LIMIT 1").fetchone()
    first = conn.execute("SELECT name FROM author_papers WHERE paper_id = %s ORDER BY position LIMIT 1",
                         (paper,)).fetchone()["name"]
    hub = Hub(paper=paper, idless=idless, collection=collection, comment=reply.id, link=link,
              preferences=subscriptions.sign(secret, "preferences", reader["id"]), topic=topic,
              text=text["paper_id"], author=author_href(first))
    hub.pages = pages(hub)
    return hub


def pages(hub: Hub) -> dict[str, list[str]]:
    """The paths each role visits: every page template, with its states (empty, filled,
    refused) where a role sees them differently."""
    public = [
        "/", "/papers?week=2024-W45&sort=publishedAt", "/trending", "/new", "/search",
        "/search?q=diffusion+models", "/search?q=diffusion+in%3Atext&fulltext=1", f"/papers/{hub.paper}", f"/papers/{hub.idless}", "/collections",
        f"/collections/{hub.collection}", "/members/ada", "/submit", "/subscribe", "/signin?why=vote",
        "/nowhere", f"/signin/{hub.link}", f"/preferences/{hub.preferences}", hub.author,
        "/topics", "/topics?q=diffusion", f"/topics/{hub.topic}",
        f"/papers/{hub.text}/read", f"/papers/{hub.text}/read?hl=study", f"/papers/{hub.idless}/read",
    ]
    return {
        "anonymous": [*public, "/for-you"],
        "member": ["/", f"/papers/{hub.paper}", f"/papers/{hub.paper}/read", "/for-you", "/collections",
                   f"/collections/{hub.collection}", "/account", f"/comments/{hub.comment}/edit",
                   "/search?q=video", "/topics", hub.author, "/account/library/search",
                   "/account/library/search?q=diffusion"],
        "curator": [f"/papers/{hub.paper}", "/moderation"],
        "admin": ["/admin", "/admin/status"],
    }
