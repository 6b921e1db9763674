"""Every route of the hub, registered in one list (ROUTERS), in the order they are tried.

Each module here serves one feature and names its routers by whom they serve: ``api`` holds
the HTTP API for programs (documented in /openapi.json, bar Hugging Face's whoami-v2 alias),
``pages`` the pages for people, their forms and their twins (``.json``, ``.md``). A new route module adds its routers to ROUTERS and nowhere else.

Order matters where a ``{paper_id:path}`` route would swallow a longer address: a ``:path``
parameter takes slashes and dots, so ``/papers/{paper_id:path}`` also matches
``/papers/2401.1.md`` and ``/papers/2401.1/upvote``. Every route under ``/papers/{id}/…`` (and
``/papers/{id}.md``) therefore comes before ``pages.pages``, and every route under
``/api/papers/{id}/…`` before ``api.api``'s ``/api/papers/{paper_id:path}`` (tests/web/
test_route_order.py checks both).
"""

from __future__ import annotations

from fastapi import APIRouter

from paperboy.web.routes import (
    account,
    admin,
    api,
    apidocs,
    authors,
    code,
    collection_pages,
    collections,
    comments,
    curation,
    exports,
    feeds,
    follows,
    foryou,
    fulltext,
    health,
    library,
    new,
    pages,
    paper_md,
    read,
    signin,
    submit,
    subscribe,
    topics,
    votes,
)

ROUTERS: list[APIRouter] = [
    health.api,
    submit.api, submit.pages,
    new.pages, new.api,
    paper_md.pages,  # /papers/{id}.md: before pages.pages' /papers/{paper_id:path}
    votes.api, votes.pages,  # /papers/{id}/upvote, /api/papers/{id}/upvote
    code.api, code.pages,  # /papers/{id}/code, /api/papers/{id}/code
    fulltext.api, fulltext.pages,  # /papers/{id}/fulltext, /api/papers/{id}/fulltext
    read.api, read.pages,  # /papers/{id}/read, GET /api/papers/{id}/fulltext
    comments.api, comments.pages,  # /papers/{id}/comments, /api/papers/{id}/comments
    curation.api, curation.pages,  # /papers/{id}/hide|unhide|pin, and under /api/papers/{id}/
    collections.api, collection_pages.pages,
    exports.api,
    library.api, library.pages,
    foryou.pages, foryou.api,
    authors.pages, authors.api, follows.api, follows.pages,  # …/follow: before topics' /api/topics/{id}
    topics.api, topics.pages,  # /api/topics/map before /api/topics/{id}
    api.api,  # /api/papers/{paper_id:path}: after every /api/papers/{id}/… route above
    feeds.api,
    subscribe.pages, signin.pages,
    account.pages, account.api,
    admin.pages,
    pages.pages,  # /papers/{paper_id:path}: after every /papers/{id}… route above
    apidocs.pages,
]
