"""A paper's GitHub repository, read from what the paper says: HF's ``githubRepo``, or a
``github.com/owner/repo`` link in its arXiv comment or abstract ("Code at
https://github.com/owner/repo."). Pure functions, no I/O.
"""

from __future__ import annotations

import re

# GitHub's rules: an owner is 1-39 letters, digits or single hyphens; a repository name is
# letters, digits, '.', '-' and '_' (at most 100). Paths GitHub keeps for itself are no owners.
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
_NAME = r"[A-Za-z0-9._-]{1,100}"
_LINK = re.compile(
    rf"(?<![A-Za-z0-9.-])(?:https?://)?(?:www\.)?github\.com/\s?({_OWNER})/\s?({_NAME})", re.IGNORECASE)
_NOT_OWNERS = frozenset({"about", "features", "topics", "orgs", "settings", "marketplace", "sponsors",
                         "login", "join", "search", "site", "pricing", "explore", "collections",
                         "apps", "notifications", "issues", "pulls", "trending", "users"})


def repo_name(text: str | None) -> str | None:
    """The first ``owner/repo`` a text links to on github.com, as written; None when none.

    >>> repo_name("Code is available at https://github.com/Owner/my-repo.git.")
    'Owner/my-repo'
    >>> repo_name("Our code: github.com/a-b/c_d (MIT).")
    'a-b/c_d'
    >>> repo_name("see https://github.com/about/careers or https://gist.github.com/x/y") is None
    True
    >>> repo_name("https://github.com/owner") is None
    True
    """
    if not text:
        return None
    for m in _LINK.finditer(text[:100_000]):
        owner, name = m.group(1), m.group(2)
        name = re.sub(r"(?:\.git)?[.]*$", "", name)  # a sentence's full stop, a clone URL's .git
        if owner.lower() in _NOT_OWNERS or not name or name in (".", ".."):
            continue
        return f"{owner}/{name}"
    return None


def repo_url(name: str) -> str:
    return f"https://github.com/{name}"


def found_in(github_repo: str | None, comment: str | None, summary: str | None) -> tuple[str, str] | None:
    """(owner/repo, where it was found) for a paper: its own ``githubRepo`` link ("paper"),
    else its arXiv comment ("arxiv-comment"), else its abstract ("abstract"); None when none
    names a repository."""
    for text, origin in ((github_repo, "paper"), (comment, "arxiv-comment"), (summary, "abstract")):
        if found := repo_name(text):
            return found, origin
    return None
