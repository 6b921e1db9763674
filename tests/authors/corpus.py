"""A small hub of real arXiv papers for the author tests: every paper of the arXiv CS file
(../shared/data) written by one of a few real people whose names the file spells several
ways, stored through the normal importer (so the store's trigger fills author_papers)."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import psycopg

from paperboy.authors import names
from paperboy.papers.importer import parse_file, store_result
from tests.helpers import shared

# Real people of the file: accents spelled both ways, an initials-only name with one full
# name that fits (Hamzaoui), and one with three (H. Müller: Heimo, Henning, Henrik).
KEYS = {"raouf hamzaoui", "r hamzaoui", "heimo muller", "henning muller", "h muller", "henrik muller",
        "laura leal taixe", "cengiz oztireli", "tomas arias vergara"}


def lines() -> list[dict]:
    with gzip.open(shared("arxiv-cs-2025-2026.jsonl.gz"), "rt", encoding="utf-8") as f:
        rows = (json.loads(line) for line in f)
        return [r for r in rows if any(names.key(a) in KEYS for a in r.get("authors") or [])]


def store(conn: psycopg.Connection, folder: Path) -> list[dict]:
    """Import the chosen papers; their lines."""
    chosen = lines()
    path = folder / "authors.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in chosen), encoding="utf-8")
    fmt, result = parse_file(path, "auto", date(2026, 7, 1))
    store_result(conn, str(path), fmt, result)
    conn.commit()
    return chosen
