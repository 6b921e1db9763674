from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from paperboy.web.app import create_app
from tests.helpers import import_files, shared

WEEK = [f"2024-11-{d:02d}" for d in range(4, 11)]  # Mon 4 … Sun 10 November 2024


@pytest.fixture
def client(db):
    """The app without its response cache (tests change data between requests)."""
    return TestClient(create_app(db, cache_seconds=0, rate_limit=0), raise_server_exceptions=False)


@pytest.fixture
def hub(conn, tmp_path):
    """Two weeks of real HF daily files (with a weekend), then a later refresh of one day in
    which its (up to ten) first papers gained 1, 2, 3… upvotes (upvote growth for trending)."""
    days = [f"2024-10-{d}" for d in range(28, 32)] + [f"2024-11-0{d}" for d in range(1, 10)] + ["2024-11-10"]
    import_files(conn, [shared("hf-daily-papers-2024", f"{d}.json") for d in days])
    day = json.loads(shared("hf-daily-papers-2024", "2024-11-07.json").read_text())
    for i, e in enumerate(day["papers"][:10]):
        e["upvotes"] += i + 1
    refresh = tmp_path / "2024-11-07.json"
    refresh.write_text(json.dumps(day))
    import_files(conn, [refresh])
    conn.commit()
    return conn
