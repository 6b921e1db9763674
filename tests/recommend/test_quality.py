"""For you with five likes, on interests shaped like a person's (issue 21, item 3): a member
likes 5 papers of one saved Hugging Face listing (tests/recommend/listings.py, real
all-MiniLM-L6-v2 vectors as the product computes them); the rest of the listing is what they
would want. paperboy's top ten must hold at least as many of them as the plain centroid's.
Five likes of one loose theme used to fall apart into singleton interests."""

from __future__ import annotations

import numpy as np
import pytest
from tests.recommend import listings

from paperboy.recommend import model as rec

MEMBERS = 20  # per listing


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    listings.DATA.exists() or pytest.skip(f"{listings.DATA} is not on this machine")
    texts, themes = listings.papers()
    x = listings.vectors(texts, tmp_path_factory.mktemp("listings") / "v.npy")
    return x, rec.centre(x, x.mean(axis=0)), themes


def _precision(scores: np.ndarray, likes: np.ndarray, held: np.ndarray) -> float:
    s = scores.astype(np.float64, copy=True)
    s[likes] = -np.inf
    return float(np.isin(np.argsort(-s)[:10], held).mean())


def test_five_likes_of_a_listing_find_the_rest_at_least_as_well_as_the_centroid(hub):
    x, xc, themes = hub
    rng = np.random.default_rng(0)
    ours, centroid, single = [], [], []
    for theme in range(3):
        members = np.flatnonzero(themes == theme)
        for _ in range(MEMBERS):
            likes = rng.choice(members, 5, replace=False)
            held = np.setdiff1d(members, likes)
            model = rec.fit(xc[likes], xc)
            ours.append(_precision(model.score(xc), likes, held))
            single.append(model.w.shape[1] == 1)
            centroid.append(_precision(rec.centroid(x[likes]).score(x), likes, held))
    assert np.mean(ours) >= np.mean(centroid), (np.mean(ours), np.mean(centroid))
    # five likes of one listing often make one interest (before: never; two to four)
    assert np.mean(single) >= 0.4, np.mean(single)

