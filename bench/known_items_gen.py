"""Write bench/known_items_generated.json: known-item queries of the kinds a person remembers.

Run by hand (deterministic: the same data and seed give the same file):
    .venv/bin/python bench/known_items_gen.py [--data ../shared/data] [--per-kind 100]

Targets are papers of the Hugging Face daily lists of 2024 (../shared/data/hf-daily-papers-2024,
three in four) and of the arXiv jsonl (one in four); the jsonl's other papers are the
distractors when bench/known_items.py measures the set. A target's title is unique in the
whole corpus (the three saved HF pages, the daily lists and the jsonl), so each query has
exactly one right answer. Four kinds, one target per query, no target used twice:

- ``title``: most of the title: lower case, punctuation gone, one word dropped (two when the
  title has more than seven words);
- ``name``: the name before the title's colon ("CosmicMan"), one to three words, only when no
  other title in the corpus starts with it;
- ``phrase``: five to eight consecutive words of the abstract, lower case, punctuation gone,
  with at least three words that are not stop words;
- ``typo``: the whole title, lower case, punctuation gone, one word of five or more letters
  misspelt (two letters swapped, one dropped or one doubled).

The split is by a hash of the target's normalised title (``split_of``): dev for tuning, test
for reporting only. The hand-written queries of bench/known_items.json use the same split.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections import Counter
from datetime import date
from pathlib import Path

from paperboy.papers.importer import parse_file
from paperboy.papers.record import Paper, normalise_title

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUT = Path(__file__).with_name("known_items_generated.json")
SEED = 20251017
KINDS = ("title", "name", "phrase", "typo")
STOP = set("""a an and are as at be by can for from has have in is it its of on or that the
their this to we with which our these into than not via while when where how what also both
based such more most using use used new show shows they them over under between""".split())


def split_of(title: str) -> str:
    """dev or test, fixed by the normalised title (about half each)."""
    return "dev" if hashlib.sha1(normalise_title(title).encode()).digest()[0] % 2 == 0 else "test"


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation, as a person types them."""
    return normalise_title(text).split()


def corpus(data: Path) -> tuple[list[Paper], list[Paper], Counter[str]]:
    """The HF daily papers (one per arXiv id), the jsonl papers, and how often each normalised
    title occurs in the whole corpus (saved pages included)."""
    hf: dict[str, Paper] = {}
    for path in sorted((data / "hf-daily-papers-2024").glob("*.json")):
        for p in parse_file(path)[1].papers:
            hf.setdefault(p.arxiv_id or p.title, p)
    arxiv = parse_file(data / "arxiv-cs-2025-2026.jsonl.gz")[1].papers
    pages = [p for path in sorted((data / "hf-papers-pages").glob("*.txt"))
             for p in parse_file(path, reference_date=date(2025, 10, 17))[1].papers]
    keys = Counter(normalise_title(p.title) for p in [*hf.values(), *arxiv])
    keys.update({normalise_title(p.title) for p in pages} - {normalise_title(p.title) for p in hf.values()})
    return list(hf.values()), arxiv, keys


def title_query(p: Paper, rng: random.Random) -> str | None:
    words = words_of(p.title)
    drop = 1 if len(words) <= 7 else 2
    if len(words) - drop < 3:
        return None
    gone = set(rng.sample(range(len(words)), drop))
    return " ".join(w for i, w in enumerate(words) if i not in gone)


def name_query(p: Paper, titles: list[str]) -> str | None:
    if ":" not in p.title:
        return None
    name = " ".join(words_of(p.title.split(":", 1)[0]))
    if not name or len(name.split()) > 3 or name in STOP:
        return None
    mine = normalise_title(p.title)
    if any(t != mine and (t == name or t.startswith(name + " ")) for t in titles):
        return None  # another paper has this name too: no single right answer
    return name


def phrase_query(p: Paper, rng: random.Random) -> str | None:
    words = [w for w in (re.sub(r"^\W+|\W+$", "", x).lower() for x in p.summary.split()) if w]
    for _ in range(20):
        n = rng.randint(5, 8)
        if len(words) < n + 10:
            return None
        start = rng.randrange(len(words) - n)
        window = words[start:start + n]
        if sum(w not in STOP for w in window) >= 3:
            return " ".join(words_of(" ".join(window)))
    return None


def typo_query(p: Paper, rng: random.Random) -> str | None:
    words = words_of(p.title)
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if len(words) < 3 or not long:
        return None
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    op = rng.choice(("swap", "drop", "double"))
    if op == "swap" and w[j] != w[j + 1]:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    elif op == "drop" or op == "swap":
        w = w[:j] + w[j + 1:]
    else:
        w = w[:j] + w[j] + w[j:]
    return " ".join([*words[:i], w, *words[i + 1:]])


def generate(data: Path, per_kind: int) -> list[dict]:
    hf, arxiv, keys = corpus(data)
    rng = random.Random(SEED)

    def eligible(papers: list[Paper]) -> list[Paper]:
        ok = [p for p in papers if keys[normalise_title(p.title)] == 1 and len(p.summary.split()) >= 30]
        ok.sort(key=lambda p: p.arxiv_id or p.title)
        rng.shuffle(ok)
        return ok

    pools = {"hf": eligible(hf), "arxiv": eligible(arxiv)}
    titles = sorted(keys)
    used: set[str] = set()
    items: list[dict] = []
    for kind in KINDS:
        for source, count in (("hf", per_kind * 3 // 4), ("arxiv", per_kind - per_kind * 3 // 4)):
            made = 0
            for p in pools[source]:
                if made == count:
                    break
                if p.arxiv_id in used:
                    continue
                query = {"title": lambda p: title_query(p, rng), "name": lambda p: name_query(p, titles),
                         "phrase": lambda p: phrase_query(p, rng), "typo": lambda p: typo_query(p, rng),
                         }[kind](p)
                if not query:
                    continue
                used.add(p.arxiv_id)
                items.append({"kind": kind, "query": query, "title": p.title, "id": p.arxiv_id,
                              "source": source, "split": split_of(p.title)})
                made += 1
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--per-kind", type=int, default=100)
    args = ap.parse_args()
    items = generate(args.data, args.per_kind)
    OUT.write_text("[\n" + ",\n".join(json.dumps(it, ensure_ascii=False) for it in items) + "\n]\n")
    split = Counter((it["kind"], it["split"]) for it in items)
    print(f"{len(items)} queries -> {OUT}")
    for kind in KINDS:
        print(f"  {kind:<7} dev {split[kind, 'dev']:4}  test {split[kind, 'test']:4}")


if __name__ == "__main__":
    main()
