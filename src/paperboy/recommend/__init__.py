"""For you: personal picks that say why.

model.py (the ranking, pure numpy; chosen by bench/recommend_quality.py), corpus.py (every
vector, centred: shared.py's file, one a node, mapped by every worker, and a small tail in
memory; prefilter.py, a coarse pass that long periods are scored through), signals.py (a member's upvotes, saved papers, library and "not interested"),
refresh.py (refitting models in the background job), picks.py (a member's picks for a
period, with the one or two of their own papers each is closest to).
"""

from paperboy.recommend.picks import ALL_TIME, MIN_SIGNALS, Because, Pick, Picks, recommend
from paperboy.recommend.refresh import refresh_all, refresh_member, refresh_stale
from paperboy.recommend.signals import interested_again, not_interested

__all__ = [
    "ALL_TIME", "MIN_SIGNALS", "Because", "Pick", "Picks", "interested_again", "not_interested",
    "recommend", "refresh_all", "refresh_member", "refresh_stale",
]
