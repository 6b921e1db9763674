"""A paper record checks itself against :mod:`paperboy.papers.limits` when it is made.

:func:`check` cleans what can be cleaned in place (control characters dropped, unsafe links
removed) and raises ``ValueError`` naming the field and the rule for what cannot (NUL, lone
surrogates, numbers out of range, implausible dates, oversized text). Parsers turn that
error into a rejection of the one record, so the rest of a file still imports.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from paperboy.papers import limits

if TYPE_CHECKING:
    from paperboy.papers.record import Paper

# One scan of all the text of a record finds out whether anything needs a closer look.
_SUSPECT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")

_TEXT_CAPS = (("title", limits.TITLE_MAX), ("summary", limits.SUMMARY_MAX))


def _text(field: str, value: str, cap: int) -> str:
    if (bad := limits.forbidden(value)) is not None:
        raise ValueError(f"{field} holds {bad}")
    value = limits.strip_control(value)
    if len(value) > cap:
        raise ValueError(f"{field} is {len(value):,} characters long (at most {cap:,})")
    return value


def _texts(field: str, values: tuple[str, ...], cap: int, most: int) -> tuple[str, ...]:
    if len(values) > most:
        raise ValueError(f"{len(values):,} {field} (at most {most:,})")
    one = {"authors": "an author name", "categories": "a category"}[field]
    return tuple(_text(one, v, cap) for v in values)


def _extra(value: Any, where: str = "extra") -> Any:
    """A JSON value of ``extra`` made safe for JSONB and feeds, or ValueError."""
    if isinstance(value, str):
        return _text(where, value, limits.EXTRA_TEXT_MAX)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if not limits.count_ok(value):
            raise ValueError(f"{where} {value} is out of range 0…{limits.INT_MAX:,}")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is not a finite number")
        return value
    if isinstance(value, list | tuple):
        if len(value) > limits.EXTRA_LIST_MAX:
            raise ValueError(f"{where} has {len(value):,} items (at most {limits.EXTRA_LIST_MAX})")
        return [_extra(v, where) for v in value]
    if isinstance(value, dict):
        return {_text(f"{where} key", str(k), 200): _extra(v, f"{where}.{k}"[:80])
                for k, v in value.items()}
    raise ValueError(f"{where} holds a {type(value).__name__}")


def check(p: Paper) -> None:
    """Clean ``p`` in place where a rule allows it; raise ValueError where it does not."""
    put = object.__setattr__  # the record is frozen; this is its constructor's last step
    blob = "\n".join((p.title, p.summary, p.comment or "", *p.authors, *p.categories))
    if _SUSPECT.search(blob) is not None:
        for name, cap in _TEXT_CAPS:
            put(p, name, _text(name, getattr(p, name), cap))
        if p.comment is not None:
            put(p, "comment", _text("comment", p.comment, limits.COMMENT_MAX) or None)
        put(p, "authors", _texts("authors", p.authors, limits.AUTHOR_MAX, limits.AUTHORS_MAX))
        put(p, "categories",
            _texts("categories", p.categories, limits.CATEGORY_MAX, limits.CATEGORIES_MAX))
    if not p.title.strip():
        raise ValueError("missing title")
    for name, cap in _TEXT_CAPS:
        if len(getattr(p, name)) > cap:
            raise ValueError(f"{name} is {len(getattr(p, name)):,} characters long (at most {cap:,})")
    if p.comment is not None and len(p.comment) > limits.COMMENT_MAX:
        raise ValueError(f"comment is {len(p.comment):,} characters long "
                         f"(at most {limits.COMMENT_MAX:,})")
    if len(p.authors) > limits.AUTHORS_MAX or any(len(a) > limits.AUTHOR_MAX for a in p.authors):
        _texts("authors", p.authors, limits.AUTHOR_MAX, limits.AUTHORS_MAX)  # names the rule
    if len(p.categories) > limits.CATEGORIES_MAX or any(
        len(c) > limits.CATEGORY_MAX for c in p.categories
    ):
        _texts("categories", p.categories, limits.CATEGORY_MAX, limits.CATEGORIES_MAX)
    for name in ("upvotes", "num_authors", "version"):
        n = getattr(p, name)
        if not limits.count_ok(n):
            raise ValueError(f"{name} {n} is out of range 0…{limits.INT_MAX:,}")
    for name in ("published_at", "updated_at", "listed_on"):
        d = getattr(p, name)
        if not limits.plausible_date(d):
            raise ValueError(f"{name} {d.isoformat()} is not a plausible date "
                             f"({limits.DATE_RANGE})")
    for name in ("github_repo", "project_page", "pdf_url"):
        url = getattr(p, name)
        if url is not None:
            put(p, name, limits.safe_url(url))  # an unsafe link is dropped, the paper kept
    if p.extra:
        put(p, "extra", _extra(p.extra))
