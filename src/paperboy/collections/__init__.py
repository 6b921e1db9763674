"""Collections: a member's named reading lists of papers, private or public.

lists.py makes, changes and finds collections (and says who may see one); saved.py puts
papers in and takes them out, lists a collection's papers, and the member's upvoted papers
(the other list a member exports). The web layer (web/routes/collections.py, web/routes/collection_pages.py)
parses requests and calls these.
"""

from __future__ import annotations

from paperboy.collections.lists import (
    MAX_COLLECTIONS,
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_PAPERS,
    Collection,
    CollectionError,
    create,
    delete,
    get,
    named,
    of_member,
    own,
    update,
)
from paperboy.collections.saved import (
    add_paper,
    containing,
    paper_id_of,
    papers,
    remove_paper,
    upvoted_papers,
)

__all__ = [
    "MAX_COLLECTIONS", "MAX_DESCRIPTION", "MAX_NAME", "MAX_PAPERS", "Collection", "CollectionError",
    "add_paper", "containing", "create", "delete", "get", "named", "of_member", "own", "paper_id_of",
    "papers", "remove_paper", "update", "upvoted_papers",
]
