"""`/papers/{id}.md`, `hf papers read ID` (huggingface_hub's own CLI) and HfApi.read_paper
against a real `paperboy serve`: the page's Markdown until a full text is stored, then title,
authors, links, abstract and the paper's text (the recorded real page, converted)."""

from __future__ import annotations

import os
import subprocess
import time
from datetime import date
from pathlib import Path

from huggingface_hub import HfApi

from paperboy.fulltext import store
from paperboy.fulltext.convert import convert
from paperboy.papers.record import Paper
from paperboy.papers.store import data_version, store_batch
from tests.e2e.conftest import serve
from tests.fixtures import http
from tests.helpers import SHARED

PAPER = "2501.11120"


def _hf_read(base: str, paper: str, home: Path) -> subprocess.CompletedProcess:
    hf = Path(os.environ.get("VIRTUAL_ENV", Path(__file__).resolve().parents[2] / ".venv")) / "bin" / "hf"
    env = {**os.environ, "HF_ENDPOINT": base, "HF_HOME": str(home), "HF_HUB_DISABLE_TELEMETRY": "1", "NO_COLOR": "1"}
    for name in ("HF_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):  # it must talk to our server
        env.pop(name, None)
    return subprocess.run([str(hf), "papers", "read", paper], env=env, capture_output=True, text=True, timeout=60)


def test_markdown_twin_and_hf_papers_read_give_the_full_text(db_url, conn, tmp_path):
    store_batch(conn, [Paper(title="Tell me about yourself: LLMs are aware of their learned behaviors",
                             source="hf-daily", arxiv_id=PAPER, version=1, authors=("Jan Betley", "Xuchan Bao"),
                             summary="We study behavioral self-awareness.", listed_on=date(2025, 1, 21))])
    conn.commit()
    proc, base = serve(db_url, tmp_path / "home", PAPERBOY_CACHE_SECONDS="0.2")
    try:
        before = http.get(f"{base}/papers/{PAPER}.md")
        assert before.status_code == 200 and "## Abstract" in before.text
        assert "## 1 Introduction" not in before.text  # no text yet: today's page

        converted = convert((SHARED / "arxiv-html-recorded" / f"{PAPER}v1.html").read_bytes())
        version = data_version(conn)
        store.save_text(conn, PAPER, 1, converted.markdown, converted.outline)
        conn.commit()
        assert data_version(conn) > version  # the page cache follows the text (migration 0020's trigger)
        time.sleep(0.5)  # a worker looks at the data version at most every PAPERBOY_CACHE_SECONDS

        r = http.get(f"{base}/papers/{PAPER}.md")  # the cached page gave way to the text
        assert (r.status_code, r.headers["content-type"]) == (200, "text/markdown; charset=utf-8")
        md = r.text
        order = [md.index(s) for s in ("# Tell me about yourself", "**Authors:** Jan Betley, Xuchan Bao",
                                       "- arXiv: <https://arxiv.org/abs/2501.11120>", "## Abstract\n\nWe study",
                                       "converted from arXiv 2501.11120v1's HTML version", "\n## 1 Introduction\n",
                                       "$D=\\{d^{n}\\}_{n=1}^{N}$", "\n## References\n", "## Comments (0)")]
        assert order == sorted(order)
        assert converted.markdown.strip() in md

        done = _hf_read(base, PAPER, tmp_path / "hf")
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == md.strip()
        assert HfApi(endpoint=base, token=False).read_paper(PAPER) == md
    finally:
        proc.terminate()
        proc.wait(timeout=10)
