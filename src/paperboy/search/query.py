"""Reading what a user typed into the search box (a pure function).

Supported: plain words (any may match, ranked by BM25), "quoted phrases", -excluded words
or -"phrases", OR / AND (upper case; "and" is a word) / +required, field prefixes (title:,
abstract:, author:, category:; an unknown prefix such as "10:30" is read as words),
``in:text`` (search inside papers' full text too: passages/), and a bare arXiv id or URL
(exact lookup). Anything malformed (unbalanced quotes, stray
operators) is read leniently rather than refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tantivy

from paperboy.papers.record import ARXIV_ID, ARXIV_VERSION, parse_arxiv_id

MAX_QUERY = 250
# Plain words such as "the", "of" and "with" say next to nothing to BM25 (nearly every abstract
# has them) but make it walk nearly every posting list: at a million papers they cost most of
# the keyword leg's time. They are left out of the keyword query (never out of phrases,
# fields or the text for the embedding model), unless the query has nothing else. The list
# is tantivy's English stop words (Lucene's).
_STOP = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(
    tantivy.Filter.lowercase()).filter(tantivy.Filter.stopword("english")).build()

_FIELDS = {"title": "title", "abstract": "summary", "summary": "summary", "author": "authors",
           "authors": "authors", "category": "categories", "cat": "categories"}
_TOKEN = re.compile(r'(-|\+)?(?:(\w+):)?("[^"]*"?|[^\s"]+)')
_ID_ONLY = re.compile(r"^\s*(?:arxiv:\s*|https?://arxiv\.org/(?:abs|pdf)/|https?://huggingface\.co/papers/)?"
                      rf"({ARXIV_ID})({ARXIV_VERSION})?(?:\.pdf)?\s*$", re.I)  # ASCII only: see ARXIV_ID
_WORD = re.compile(r"\w+")


@dataclass
class Query:
    raw: str
    keyword: str  # for the keyword index (tantivy's query language)
    semantic: str  # plain text for the embedding model (free words, not fielded ones)
    fielded: str = ""  # the text of fielded terms (author:…, title:…), for a semantic-only search
    words: list[str] = field(default_factory=list)  # words to highlight
    excluded: list[str] = field(default_factory=list)
    arxiv_id: str | None = None
    strict: bool = False  # phrases, fields or exclusions: results must match the keywords
    fulltext: bool = False  # "in:text": search inside papers' full text too (passages/)

    @property
    def empty(self) -> bool:
        return not self.keyword.strip() and not self.arxiv_id


def _quote(text: str) -> str:
    # a backslash would escape the closing quote in tantivy's syntax
    return '"' + text.replace('"', "").replace("\\", " ") + '"'


def parse(text: str) -> Query:
    # a lone surrogate (undecodable bytes on a command line) cannot go to tantivy: "?" instead
    raw = " ".join(text.encode("utf-8", "replace").decode().split())[:MAX_QUERY]
    m = _ID_ONLY.match(raw)
    found = parse_arxiv_id(m.group(1)) if m else None  # None for "-/1234567": no arXiv id
    arxiv_id = found[0] if found else None

    parts: list[str] = []
    semantic: list[str] = []
    fielded: list[str] = []
    words: list[str] = []
    excluded: list[str] = []
    strict = False
    fulltext = False
    drop_stop = any(not is_stop_word(w) for w in _WORD.findall(raw))
    for sign, fld, body in _TOKEN.findall(raw):
        # an unterminated quote is read as plain words, not a phrase
        is_phrase = body.startswith('"') and body.endswith('"') and len(body) > 1
        inner = body.strip('"')
        if not _WORD.search(inner):
            continue  # lone punctuation, empty quotes
        if body in ("OR", "AND") and not sign and not fld:  # operators are upper case, as in Lucene
            if parts and parts[-1] not in ("OR", "AND"):  # never first, nor two in a row
                parts.append(body)
            continue
        if fld.lower() == "in" and inner.lower() == "text" and not sign:
            fulltext = True  # where to search, not what: no word of the query
            continue
        target = _FIELDS.get(fld.lower()) if fld else None
        if fld and not target:  # not a field we know ("10:30", "ratio:foo"): plain words
            inner, is_phrase, fld = f"{fld} {inner}", False, ""
        if is_phrase:
            term = _quote(inner)
        else:
            terms = [t for t in (_clean_term(x) for x in inner.split()) if t]
            if drop_stop and not (sign or fld) and all(is_stop_word(t) for t in terms):
                semantic.append(inner)  # still meaningful to the model, and highlighted
                words.extend(_WORD.findall(inner))
                continue
            term = " ".join(terms) if len(terms) < 2 or not (sign or fld) else _quote(" ".join(terms))
        if not term:
            continue
        if target:
            term = f"{target}:{term}"
            strict = True
        if sign == "-":
            excluded.extend(_WORD.findall(inner))
            parts.append(f"-{term}")
            strict = True
            continue
        if is_phrase:
            strict = True
        parts.append(f"+{term}" if sign == "+" else term)
        # an author's name or a category says little to the embedding model
        (fielded if target else semantic).append(inner)
        words.extend(_WORD.findall(inner))
    while parts and parts[-1] in ("OR", "AND"):
        parts.pop()
    return Query(raw=raw, keyword=" ".join(parts), semantic=" ".join(semantic),
                 fielded=" ".join(fielded), words=words,
                 excluded=excluded, arxiv_id=arxiv_id, strict=strict, fulltext=fulltext)


def is_stop_word(word: str) -> bool:
    return not _STOP.analyze(word)


def _clean_term(word: str) -> str:
    """A bare word, with characters tantivy's parser treats as syntax made harmless."""
    w = re.sub(r"[\\:(){}\[\]^~*!<>=&|'`]", " ", word).strip()
    w = re.sub(r"^\W+|\W+$", "", w)  # keep inner punctuation (GPT-4, cs.CV), drop the rest
    if not w:
        return ""
    if w in ("OR", "AND", "NOT", "IN"):  # tantivy's keywords, here a word (after a sign or a
        return w.lower()                 # field, cut from "OR;", or NOT and IN: not ours)
    return _quote(w) if " " in w or "-" in w or "." in w or "/" in w else w
