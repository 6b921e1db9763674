"""Merging two descriptions of one paper into the richer one (a pure function)."""

from __future__ import annotations

from datetime import date

from paperboy.papers.record import Paper


def _min_date(a: date | None, b: date | None) -> date | None:
    return min(a, b) if a and b else a or b


def _max_date(a: date | None, b: date | None) -> date | None:
    return max(a, b) if a and b else a or b


def _max_int(a: int | None, b: int | None) -> int | None:
    return max(a, b) if a is not None and b is not None else (a if a is not None else b)


def _union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """Keep ``a``'s order (its first category is the primary one) and append what is new."""
    return a + tuple(x for x in b if x not in a)


def _longer(a: str, b: str) -> str:
    return b if len(b) > len(a) else a


def merge(old: Paper, new: Paper) -> Paper:
    """The richer value of each field.

    - A strictly newer arXiv version replaces title, abstract, authors: the paper changed.
    - Otherwise a complete author list (arXiv, HF API) beats a scraped one (daily listings
      often keep only the first author or split a name in two); between two of a kind the
      longer list wins. The longer abstract wins (a listing may cut it).
    - Upvotes: the higher count. Files carry no time of reading, and HF counts only grow
      in practice, so the higher count is the latest one; an older snapshot imported
      after a fresh one must not turn the count back.
    - Dates: the first publication and listing, the latest arXiv update.
    - Withdrawn: what the newest version says.
    - Links and comment: kept, filled in when missing, replaced when a newer version says so.
    """
    newer_version = new.version is not None and (old.version is None or new.version > old.version)
    if newer_version:
        title, summary = new.title, new.summary or old.summary
        authors = new.authors or old.authors
        complete = bool(new.authors_complete or (old.authors_complete and not new.authors))
    else:
        title = old.title
        summary = _longer(old.summary, new.summary)
        if old.authors_complete != new.authors_complete:
            best = new if new.authors_complete else old
        else:
            best = new if len(new.authors) > len(old.authors) else old
        authors, complete = best.authors, bool(best.authors_complete)
    return Paper(
        title=title,
        source=old.source,
        arxiv_id=old.arxiv_id or new.arxiv_id,
        version=_max_int(old.version, new.version),
        summary=summary,
        authors=authors,
        num_authors=_max_int(old.num_authors, new.num_authors),
        categories=_union(new.categories, old.categories) if newer_version
        else _union(old.categories, new.categories),
        published_at=_min_date(old.published_at, new.published_at),
        updated_at=_max_date(old.updated_at, new.updated_at),
        listed_on=_min_date(old.listed_on, new.listed_on),
        upvotes=_max_int(old.upvotes, new.upvotes),
        github_repo=(new.github_repo if newer_version else None) or old.github_repo or new.github_repo,
        project_page=old.project_page or new.project_page,
        pdf_url=(new.pdf_url if newer_version else None) or old.pdf_url or new.pdf_url,
        comment=(new.comment if newer_version else None) or old.comment or new.comment,
        authors_complete=complete,
        # A newer version decides (a withdrawal can itself be revised); otherwise either says so.
        withdrawn=new.withdrawn if newer_version else old.withdrawn or new.withdrawn,
        extra={**old.extra, **new.extra},
    )
