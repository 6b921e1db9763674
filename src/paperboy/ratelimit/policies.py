"""Every rate limit of paperboy, by name: what is counted, per what, and the setting that
says how many (0: no limit). Each is counted per member unless it says otherwise.

The sign-in, password and subscribe limits are kept by their own features, in PostgreSQL
too (community/signin.py, community/passwords.py, digest/throttle.py): each counts several
keys at once (per client, per mailbox, per domain) and a right password gives its attempt
back. They key clients by the same :func:`paperboy.ratelimit.client_key`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from paperboy.ratelimit import BUCKET, policy


def _requests_most(cfg: Any) -> int:
    return cfg.rate_burst if cfg.rate_limit > 0 else 0


def _requests_per(cfg: Any) -> timedelta:
    return timedelta(seconds=cfg.rate_burst / cfg.rate_limit)


# Every request but static files, per client (IPv6 /64): PAPERBOY_RATE_BURST at once, then
# PAPERBOY_RATE_LIMIT a second (web/ratelimit.py).
REQUESTS = policy("requests", per=_requests_per, limit=_requests_most, kind=BUCKET)
# Upvotes and un-votes: PAPERBOY_VOTES_PER_MINUTE in any minute (web/routes/votes.py).
VOTES = policy("votes", per=timedelta(minutes=1), setting="community.votes_per_minute")
# "Not interested" marks and their undoing on For you, counted like votes (web/routes/foryou.py).
MARKS = policy("not_interested", per=timedelta(minutes=1), setting="community.votes_per_minute")
# New comments and replies: PAPERBOY_COMMENTS_PER_HOUR in any hour (community/comments.py,
# counted in the comment's own transaction: a refused or failed comment is not counted).
COMMENTS = policy("comments", per=timedelta(hours=1), setting="community.comments_per_hour")
# Edits of one's comments: as many again (web/routes/comments.py).
COMMENT_EDITS = policy("comment_edits", per=timedelta(hours=1), setting="community.comments_per_hour")
# Library imports over the web: PAPERBOY_IMPORTS_PER_HOUR at once, refilled over the hour
# (web/routes/library.py; each import parses up to 5 MB).
IMPORTS = policy("imports", per=timedelta(hours=1), setting="community.imports_per_hour", kind=BUCKET)
# Submissions a member may try a minute, besides the daily limit, so no one can make the
# instance hammer arXiv (web/routes/submit.py; curators and admins: no limit).
# A paper's full text asked for from its page (web/routes/fulltext.py): each makes the hub fetch
# one arXiv HTML page, so 20 an hour per member.
FULLTEXT_ASKS = policy("fulltext_asks", per=timedelta(hours=1), limit=20)
SUBMIT_TRIES = 5
SUBMIT_BURST = policy("submit_burst", per=timedelta(minutes=1), limit=SUBMIT_TRIES)
# Code repositories linked or corrected on paper pages (web/code.py): a few an hour, so no
# one can make the instance ask GitHub about repositories at will (curators and admins too:
# each change queues a GitHub request).
CODE_LINKS = policy("code_links", per=timedelta(hours=1), limit=20)
