"""The official Hugging Face client against a real `paperboy serve`: a member's submission
as HF shapes it (`submittedBy`, `submittedOnDailyBy`, `?submitter=`), and `hf papers read`
(the paper as Markdown, /papers/{id}.md, with its comments)."""

from __future__ import annotations

import html
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from markdown_it import MarkdownIt

from tests.community.people import add, token_for
from tests.e2e.conftest import serve
from tests.fetch.conftest import replay  # noqa: F401 - the local arXiv
from tests.fixtures import http
from tests.helpers import import_files, shared

HOSTILE = r"A <b>bold</b> *claim* on $x_i$ & \alpha_1 [link](javascript:alert(1)) <script>x()</script>"
ABSTRACT = r"We show $\sum_{i} x_i^2 < 1$ for *all* __cases__ & `code` <img src=x onerror=alert(1)>"


@pytest.fixture
def server(db_url: str, conn, tmp_path: Path, replay) -> Iterator[str]:  # noqa: F811
    proc, base = serve(db_url, tmp_path / "home", PAPERBOY_ARXIV_URL=f"{replay.url}/api/query",
                       PAPERBOY_ARXIV_DELAY="0.05", PAPERBOY_FETCH_TIMEOUT="2", PAPERBOY_CACHE_SECONDS="0.2")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _hf(base: str, *args: str, home: Path) -> subprocess.CompletedProcess:
    hf = Path(os.environ.get("VIRTUAL_ENV", Path(__file__).resolve().parents[2] / ".venv")) / "bin" / "hf"
    env = {**os.environ, "HF_ENDPOINT": base, "HF_HOME": str(home), "HF_HUB_DISABLE_TELEMETRY": "1",
           "NO_COLOR": "1"}
    env.pop("HF_TOKEN", None)
    # The client talks to our local server: an HF_HUB_OFFLINE=1 that the embedding model set
    # in this process (when a test before this one loaded it) must not reach it.
    env.pop("HF_HUB_OFFLINE", None)
    env.pop("TRANSFORMERS_OFFLINE", None)  # huggingface_hub reads this one as offline too
    return subprocess.run([str(hf), *args], env=env, capture_output=True, text=True, timeout=60)


def test_the_official_client_sees_who_submitted(server, conn):
    headers = token_for(conn, "ada@example.org")
    r = http.post(f"{server}/api/papers/submit", json={"id": "https://arxiv.org/abs/1707.08567"}, headers=headers)
    assert r.status_code == 201, r.text
    api = HfApi(endpoint=server, token=False)
    [info] = list(api.list_daily_papers(submitter="ada"))
    assert info.id == "1707.08567" and info.submitted_by is not None
    assert (info.submitted_by.name, info.submitted_by.fullname, info.submitted_by.user_type) == ("ada", "ada", "user")
    assert info.submitted_at is not None
    assert list(api.list_daily_papers(submitter="bob")) == []
    paper = api.paper_info("1707.08567")
    assert paper.submitted_by is not None and paper.submitted_by.name == "ada"


def _comment(conn, paper_id: str, who: int | None, body: str, parent: int | None = None, **flags: bool) -> int:
    return conn.execute(
        "INSERT INTO comments (paper_id, member_id, parent_id, body, html, deleted, hidden)"
        " VALUES (%s, %s, %s, %s, '<p>x</p>', %s, %s) RETURNING id",
        (paper_id, who, parent, body, flags.get("deleted", False), flags.get("hidden", False))).fetchone()["id"]


def test_hf_papers_read_gets_the_paper_as_markdown(server, conn, tmp_path):
    conn.execute("INSERT INTO papers (id, arxiv_id, title, title_key, summary, authors, categories, github_repo,"
                 " published_at) VALUES ('2411.00001', '2411.00001', %s, 'hostile', %s, %s, %s,"
                 " 'https://github.com/a/b_c', '2024-11-01')",
                 (HOSTILE, ABSTRACT, ["Ada *Star* Lovelace", "B_o_b"], ["cs.CL"]))
    ada, bob = add(conn, "ada@example.org").id, add(conn, "bob@example.org").id
    first = _comment(conn, "2411.00001", ada, "Nice result! See `x_i` and **this**.\n\n<script>bad()</script>")
    _comment(conn, "2411.00001", bob, "I agree with @ada.", parent=first)
    _comment(conn, "2411.00001", bob, "A rude reply", parent=first, hidden=True)
    _comment(conn, "2411.00001", bob, "Spam spam", hidden=True)
    gone = _comment(conn, "2411.00001", bob, "Regretted words", deleted=True)
    _comment(conn, "2411.00001", ada, "Still answering", parent=gone)
    conn.commit()

    r = http.get(f"{server}/papers/2411.00001.md")
    assert (r.status_code, r.headers["content-type"]) == (200, "text/markdown; charset=utf-8")
    done = _hf(server, "papers", "read", "2411.00001", home=tmp_path / "hf")
    assert done.returncode == 0, done.stderr
    md = done.stdout
    assert md.strip() == r.text.strip()
    assert HfApi(endpoint=server, token=False).read_paper("2411.00001") == r.text

    # Rendered, the title, authors and abstract are exactly the text stored: no markup.
    rendered = MarkdownIt("commonmark").render(md)
    h1 = re.search(r"<h1>(.*?)</h1>", rendered).group(1)
    assert html.unescape(h1) == HOSTILE
    assert "<b>" not in rendered and "<script>" not in rendered and "<img" not in rendered
    assert 'href="javascript:' not in rendered
    paragraphs = [html.unescape(re.sub(r"<[^>]+>", "", p)) for p in re.findall(r"<p>(.*?)</p>", rendered, re.S)]
    assert ABSTRACT in paragraphs
    assert "**Authors:** Ada \\*Star\\* Lovelace, B\\_o\\_b" in md
    assert "- arXiv: <https://arxiv.org/abs/2411.00001>" in md and "- Code: <https://github.com/a/b_c>" in md
    # The comments readers see, with their authors and one level of replies; hidden and
    # deleted ones are not there (a removed one only as a placeholder above its replies).
    assert "## Comments (3)" in md
    assert "**ada** · " in md and "> Nice result! See `x_i` and **this**." in md
    assert "> **bob** replied · " in md and "> > I agree with @ada." in md
    assert "Still answering" in md and "_A removed comment._" in md
    for absent in ("A rude reply", "Spam spam", "Regretted words"):
        assert absent not in md
    assert "\\<script>bad()\\</script>" in md  # raw HTML in a comment comes out as text

    missing = _hf(server, "papers", "read", "2499.99999", home=tmp_path / "hf")
    assert missing.returncode != 0 and "not found" in (missing.stdout + missing.stderr)
    with pytest.raises(HfHubHTTPError) as e:
        HfApi(endpoint=server, token=False).read_paper("2499.99999")
    assert e.value.response.status_code == 404


def test_hf_papers_ls_sort_trending_keeps_the_old_lists_after_a_submission(server, conn, tmp_path):
    """`hf papers ls --sort trending` on a hub whose lists are old, after a member submitted a
    paper today: the old lists' trending papers are still there (it used to show the one
    new paper alone, with 0 votes)."""
    import_files(conn, [shared("hf-daily-papers-2024", f"2024-11-{d:02d}.json") for d in range(4, 11)])
    conn.commit()
    top = conn.execute("SELECT id FROM papers ORDER BY upvotes DESC NULLS LAST LIMIT 1").fetchone()["id"]
    r = http.post(f"{server}/api/papers/submit", json={"id": "1707.08567"}, headers=token_for(conn, "ada@example.org"))
    assert r.status_code == 201, r.text
    done = _hf(server, "papers", "ls", "--sort", "trending", "--limit", "20", "--format", "quiet", home=tmp_path / "hf")
    assert done.returncode == 0, done.stderr
    ids = done.stdout.split()
    assert len(ids) == 20 and ids[0] == top
    listed = [p.id for p in HfApi(endpoint=server, token=False).list_daily_papers(sort="trending", limit=100)]
    assert "1707.08567" in listed and len(listed) > 20
