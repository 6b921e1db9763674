"""The official Hugging Face client and CLI against a real `paperboy serve`: `hf auth whoami`
with a member's token, `whoami()`, and `list_papers()` with no query (issue: a real user's
first hour, item 6: the CLI crashed with KeyError 'orgs', and list_papers() answered 400)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub import HfApi

from tests.community.people import token_for
from tests.e2e.conftest import serve
from tests.helpers import import_files, shared


@pytest.fixture
def server(db_url: str, conn, tmp_path: Path) -> Iterator[str]:
    proc, base = serve(db_url, tmp_path / "home", PAPERBOY_CACHE_SECONDS="0")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _hf(base: str, *args: str, home: Path, token: str | None = None) -> subprocess.CompletedProcess:
    hf = Path(os.environ.get("VIRTUAL_ENV", Path(__file__).resolve().parents[2] / ".venv")) / "bin" / "hf"
    env = {**os.environ, "HF_ENDPOINT": base, "HF_HOME": str(home), "HF_HUB_DISABLE_TELEMETRY": "1",
           "NO_COLOR": "1"}
    env.pop("HF_TOKEN", None)
    if token:
        env["HF_TOKEN"] = token
    env.pop("HF_HUB_OFFLINE", None)  # set by the embedding model in this process: not for our server
    env.pop("TRANSFORMERS_OFFLINE", None)
    return subprocess.run([str(hf), *args], env=env, capture_output=True, text=True, timeout=60)


def test_hf_auth_whoami_names_the_member(server, conn, tmp_path):
    token = token_for(conn, "ada@example.org")["Authorization"].split(" ", 1)[1]
    done = _hf(server, "auth", "whoami", home=tmp_path / "hf", token=token)
    assert done.returncode == 0, done.stderr
    assert "ada" in done.stdout and "Traceback" not in done.stderr
    info = HfApi(endpoint=server, token=token).whoami()
    assert (info["name"], info["type"], info["orgs"]) == ("ada", "user", [])
    assert info["auth"]["type"] == "access_token" and info["auth"]["accessToken"]["role"] == "write"
    refused = _hf(server, "auth", "whoami", home=tmp_path / "hf", token="pb_not-a-token")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr


def test_list_papers_without_a_query_lists_the_daily_papers(server, conn):
    import_files(conn, [shared("hf-daily-papers-2024", f"2024-11-{d:02d}.json") for d in (8, 10)])
    conn.commit()
    papers = list(HfApi(endpoint=server, token=False).list_papers(limit=5))
    newest = {r["paper_id"] for r in conn.execute("SELECT paper_id FROM listings WHERE day = '2024-11-10'")}
    assert len(papers) == 5 and {p.id for p in papers} <= newest
    assert all(p.title for p in papers)
