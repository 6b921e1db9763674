"""Candidate phrases of a title and abstract: runs of content words, cut at punctuation and
at function words (a noun-phrase-ish chunker without a tagger), and their n-grams.

Pure: text in, phrases out. Tokens keep what names a thing in a paper: ``GPT-4o``,
``NDCG@10``, ``Llama 3``, ``reverse-KL``; a phrase keeps the case it was written in (the
first time it occurs), and is compared in :func:`key` form (lowercased, hyphens as spaces).

>>> [c.text for c in candidates("Flow Matching for Agents", "We propose flow matching.")][:3]
['Flow Matching', 'Flow', 'Matching']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import snowballstemmer

MAX_WORDS = 3
MAX_CHARS = 80
MAX_TEXT = 20_000  # characters of title + abstract read (an abstract is ~2,000)

# A token: letters/digits with inner - . / @ + ' joining (GPT-4o, NDCG@10, 3.5, C++).
_TOKEN = re.compile(r"[^\W_](?:[\w+@'’.\-/]*[\w+])?|[,.;:!?()\[\]{}\"“”]")
_BREAK = frozenset(",.;:!?()[]{}\"“”")

# Words that start or end no phrase: function words, and the verbs, adverbs and vague
# nouns and adjectives of abstracts ("we propose a novel method that achieves ...").
_ACADEMIC = """
 propose proposes proposed proposing present presents presented introduce introduces introduced
 show shows showed shown demonstrate demonstrates demonstrated achieve achieves achieved achieving
 outperform outperforms outperformed outperforming improve improves improved improving use uses
 used using enable enables enabled enabling allow allows allowed provide provides provided leverage
 leverages leveraging leveraged based make makes made making study studies studied investigate
 investigates explore explores explored address addresses addressed evaluate evaluates evaluated
 apply applies applied consider considers require requires required remain remains conduct
 conducted develop develops developed design designed yield yields obtain obtains obtained
 perform performs performed reveal reveals find finds found aim aims focus focuses introduce
 paper work approach method methods framework novel new existing recent current various different
 significant significantly substantially effectively efficiently extensive experiments experiment
 results result state art sota performance superior consistently strong also however furthermore
 moreover additionally specifically particularly notably thus while whereas via well across
 including include includes key main first second third one two three several many often
 highly large small better best able task tasks problem problems challenge challenges challenging
 approaches propose effective efficient simple respectively et al e g i ie eg code available
 publicly github com https http www model models data alongside towards toward within beyond
 despite among amongst upon versus vs given compared comparable existing prior previous
""".split()


@cache
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words and the academic ones above. Read on first use:
    importing scikit-learn takes a second, and every `serve` and CLI start imports this module."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | frozenset(_ACADEMIC)


# Inside a phrase these may stay; the _HEADS may also end one of two words or more
# ("large language model", "preference data"), never stand alone.
_HEADS = frozenset({"model", "models", "data", "method", "methods", "framework", "task", "tasks",
                    "performance", "approach", "problem", "problems", "experiments"})
_INNER_OK = _HEADS | frozenset({"large", "small", "state", "art", "one", "two", "three", "first",
                                "second", "new", "multi", "based"})


@dataclass(frozen=True)
class Candidate:
    text: str  # as first written
    count: int  # occurrences in title + abstract
    in_title: bool
    first: int  # token position of the first occurrence (0 = the title's first word)
    words: int


def clean(text: str) -> str:
    """NFKC, control characters out, at most MAX_TEXT characters."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_TEXT]
    return "".join(ch if ch.isprintable() else " " for ch in text)


def key(phrase: str) -> str:
    """The form phrases are compared in: lowercased, hyphens and slashes as spaces.

    >>> key("Reverse-KL  Objective")
    'reverse kl objective'
    """
    return " ".join(re.sub(r"[-/_]", " ", phrase.casefold()).split())


_NOT_ADVERBS = frozenset({"family", "anomaly", "assembly", "supply", "italy", "reply", "poly", "only"})


def _weak(low: str) -> bool:
    """A stop word, an adverb (-ly), or a possessive: a phrase cannot run through it."""
    if low in stop_words() and low not in _INNER_OK:
        return True
    return (low.endswith("ly") and len(low) > 4 and low not in _NOT_ADVERBS) or \
        low.endswith(("'s", "’s"))


_stemmer = snowballstemmer.stemmer("english")


def stems(phrase: str) -> frozenset[str]:
    """The Snowball stems of a phrase's words: "Jailbreaking attacks" ~ "jailbreak attack".

    >>> sorted(stems("Jailbreaking attacks"))
    ['attack', 'jailbreak']
    """
    return frozenset(_stemmer.stemWords(re.findall(r"\w+", key(phrase))))


def _runs(text: str) -> Iterator[list[tuple[int, str]]]:
    """Runs of (position, token) with no break and no stop word between them."""
    run: list[tuple[int, str]] = []
    for pos, m in enumerate(_TOKEN.finditer(text)):
        tok = m.group(0).strip("'’.-/")
        low = tok.casefold()
        if not tok or tok in _BREAK or _weak(low) or len(tok) > 40:
            if run:
                yield run
            run = []
            continue
        run.append((pos, tok))
    if run:
        yield run


def _ok_edge(tok: str, head: bool = False) -> bool:
    low = tok.casefold()
    if head and low.endswith("ed") and len(low) > 4:  # "... optimized": a verb or participle
        return False
    return (low not in stop_words() or (head and low in _HEADS)) and \
        not low.replace(".", "").replace(",", "").isdigit() and (len(tok) > 1 or tok.isupper())


def candidates(title: str, summary: str, max_words: int = MAX_WORDS) -> list[Candidate]:
    """Every phrase of 1..max_words content words of the title and abstract, in order of
    first occurrence; each with how often it occurs, whether the title has it, where it
    first is. A phrase neither starts nor ends with a stop word or a bare number."""
    title, summary = clean(title), clean(summary)
    text = f"{title} . {summary}"
    n_title = sum(1 for _ in _TOKEN.finditer(title))
    seen: dict[str, list] = {}
    for run in _runs(text):
        for i in range(len(run)):
            for j in range(i + 1, min(len(run), i + max_words) + 1):
                toks = [t for _, t in run[i:j]]
                if not (_ok_edge(toks[0]) and _ok_edge(toks[-1], head=True)):
                    continue
                phrase = " ".join(toks)
                if len(phrase) > MAX_CHARS:
                    break
                k = key(phrase)
                pos = run[i][0]
                if k in seen:
                    seen[k][1] += 1
                    seen[k][2] = seen[k][2] or pos < n_title
                else:
                    seen[k] = [phrase, 1, pos < n_title, pos, len(toks)]
    return [Candidate(*v) for v in seen.values()]
