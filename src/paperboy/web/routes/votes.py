"""Upvotes from members: the JSON API, the plain-form fallback, and the member's own votes
marked on shared (cached) pages.

- ``POST`` / ``DELETE /api/papers/{id}/upvote`` → ``{"upvotes", "communityUpvotes",
  "upvoted"}``: a member (cookie with CSRF token, or ``Authorization: Bearer``); 401 for
  no one, 404 for an unknown paper, 429 past PAPERBOY_VOTES_PER_MINUTE.
- ``POST /papers/{id}/upvote`` (a form, without JavaScript): toggles, then 303 back to the
  page it came from (``next``, a path of this site only) or the paper's page; someone not
  signed in is sent to sign in first.
- :func:`press_upvoted`, a slot of web/personal.py: on a page made personal for a member,
  the vote buttons of the papers they upvoted are pressed (create_app names the slot).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse

from paperboy.community import votes
from paperboy.community.members import Member
from paperboy.ratelimit.policies import VOTES
from paperboy.web import auth
from paperboy.web.http import local_path, to_signin
from paperboy.web.personal import Found

api = APIRouter(tags=["community"])  # the HTTP API for programs (docs/api.md, /openapi.json)
pages = APIRouter(include_in_schema=False)  # pages for people, their forms and twins
Writer = Annotated[Member, Depends(auth.writer)]
State = dict[str, Any]




def _vote(request: Request, member: Member, paper_id: str,
          change: Callable[[Any, str, int], State]) -> State:
    limits = request.app.state.limits
    wait = limits.check(VOTES, member.id)
    if wait:
        raise HTTPException(
            429, f"Too many votes: at most {limits.most(VOTES)} a minute. Try again in {int(wait) + 1} s.",
            headers={"Retry-After": str(int(wait) + 1)})
    try:
        with request.app.state.db.connection() as conn:
            state = change(conn, paper_id, member.id)
    except votes.NoSuchPaper:
        raise HTTPException(404, f"no paper with id {paper_id[:80]!r}") from None
    marks_of(request.app).forget(member.id)  # their next page from this worker shows it
    return state


@api.post("/api/papers/{paper_id:path}/upvote", summary="Upvote a paper (a member)")
def upvote(request: Request, paper_id: str, member: Writer) -> State:
    """One vote per member: upvoting again changes nothing. Answers the paper's count
    shown (`upvotes`: imported plus community), the community votes alone and whether the
    caller has upvoted it."""
    return _vote(request, member, paper_id, votes.upvote)


@api.delete("/api/papers/{paper_id:path}/upvote", summary="Take back an upvote (a member)")
def remove_upvote(request: Request, paper_id: str, member: Writer) -> State:
    """Taking back a vote one never cast changes nothing. Answers as POST does."""
    return _vote(request, member, paper_id, votes.remove)


@pages.post("/papers/{paper_id:path}/upvote")
async def upvote_form(request: Request, paper_id: str) -> RedirectResponse:
    form = await request.form()
    back = local_path(form.get("next"), f"/papers/{quote(paper_id, safe='/:')}")
    member = auth.current(request)
    if member is None:
        return to_signin(back, "vote")
    await auth.check_csrf(request)
    await anyio.to_thread.run_sync(_vote, request, member, paper_id, votes.toggle)
    return RedirectResponse(back, status_code=303)


# --- the member's own votes on shared pages -----------------------------------------------

# A vote button as templates/_card.html and paper.html write it, not pressed.
# A vote button as the template writes it, and as it is for a member who upvoted the paper.
UNPRESSED, PRESSED = b'aria-pressed="false" class="vote-btn"', b'aria-pressed="true" class="vote-btn voted"'


class Marks:
    """Which papers each member upvoted, as far as this worker asked, per data version.

    A page made personal costs no query when the member's entry for the current data
    version already knows every paper on it; otherwise one query for the papers it does not
    know. Why this shape: a query per page would cost a round trip on every signed-in page
    view (the cache exists so pages cost none), and loading all of a member's votes would
    grow with prolific voters; the papers a member actually sees are few. The entry is
    dropped when the data version changes (anyone's vote bumps it), so across workers a
    mark is at most as stale as the public counts (PAPERBOY_CACHE_SECONDS); and when the
    member votes through this worker, so their own next page here shows their vote at once.
    """

    MAX_MEMBERS = 10_000
    MAX_PAPERS = 5_000  # per member entry; past it the entry starts again

    def __init__(self) -> None:
        self.entries: OrderedDict[int, tuple[Any, dict[str, bool]]] = OrderedDict()
        self.epoch = 0  # moves on every forget: an answer asked for before it is not kept
        self.lock = threading.Lock()

    def forget(self, member_id: int) -> None:
        with self.lock:
            self.entries.pop(member_id, None)
            self.epoch += 1

    def lookup(self, member_id: int, version: Any, ids: set[str]) -> tuple[dict[str, bool], int]:
        """What is known of ``ids`` for the member at ``version``, and the epoch to store with."""
        with self.lock:
            entry = self.entries.get(member_id)
            if entry is None or version is None or entry[0] != version:
                return {}, self.epoch
            self.entries.move_to_end(member_id)
            known = entry[1]
            return {i: known[i] for i in ids if i in known}, self.epoch

    def add(self, member_id: int, version: Any, epoch: int, learnt: dict[str, bool]) -> None:
        """Keep what a query learnt, unless a vote came in through this worker meanwhile
        (the answer might predate it) or there is no data version (no response cache)."""
        if version is None:
            return
        with self.lock:
            if epoch != self.epoch:
                return
            entry = self.entries.get(member_id)
            if entry is None or entry[0] != version or len(entry[1]) + len(learnt) > self.MAX_PAPERS:
                entry = (version, {})
            entry[1].update(learnt)
            self.entries[member_id] = entry
            self.entries.move_to_end(member_id)
            while len(self.entries) > self.MAX_MEMBERS:
                self.entries.popitem(last=False)


def marks_of(app: Any) -> Marks:
    """The app's marks (made by create_app; one per app: tests run several apps in one process)."""
    return app.state.vote_marks


def _ask(db: Any, member_id: int, ids: list[str]) -> set[str]:
    with db.connection() as conn:
        return votes.voted_among(conn, member_id, ids)


async def press_upvoted(scope: dict[str, Any], member: Member, found: list[Found]) -> list[bytes]:
    """The "vote" slots of a page (templates/_vote.html) for ``member``: the buttons of the
    papers they upvoted pressed, the others as they were."""
    ids = [f.arg for f in found]
    app = scope["app"]
    marks = marks_of(app)
    version = (scope.get("state") or {}).get("data_version")
    wanted = set(ids)
    known, epoch = marks.lookup(member.id, version, wanted)
    missing = [i for i in wanted if i not in known]
    if missing:
        voted = await anyio.to_thread.run_sync(_ask, app.state.db, member.id, missing)
        learnt = {i: i in voted for i in missing}
        marks.add(member.id, version, epoch, learnt)
        known.update(learnt)
    return [f.whole.replace(UNPRESSED, PRESSED, 1) if known[i] else f.whole
            for f, i in zip(found, ids, strict=True)]
