"""The ranking model on real vectors (no database): interests are kept apart, rejected
papers pull their neighbours down, and a stored model scores as the fitted one did."""

from __future__ import annotations

import numpy as np
import pytest
from tests.recommend import topics

from paperboy.recommend import model as rec


@pytest.fixture(scope="module")
def space():
    x = topics.vectors()
    mean = x.mean(axis=0)
    return x, rec.centre(x, mean), rec.centre(x, mean)[::5]


def _near(x: np.ndarray, seed: int, k: int) -> np.ndarray:
    return np.argsort(-(x @ x[seed]))[:k]


def test_a_member_of_two_interests_gets_both_not_their_average(space):
    x, xc, background = space
    a = 0
    b = topics.far_seed(a)
    likes = np.r_[_near(x, a, 4), _near(x, b, 4)]
    scores = rec.fit(xc[likes], background).score(xc)
    scores[likes] = -np.inf
    top = set(np.argsort(-scores)[:20].tolist())
    assert top & set(_near(x, a, 60).tolist()), "nothing from the first interest"
    assert top & set(_near(x, b, 60).tolist()), "nothing from the second interest"
    # the plain centroid, by contrast, is pulled to the middle and loses at least one side
    c = rec.centroid(x[likes]).score(x)
    c[likes] = -np.inf
    ctop = set(np.argsort(-c)[:20].tolist())
    near = set(_near(x, a, 60).tolist()) | set(_near(x, b, 60).tolist())
    assert len(top & near) > len(ctop & near)


def test_not_interested_pulls_down_what_resembles_it(space):
    x, xc, background = space
    likes = _near(x, 10, 6)
    before = rec.fit(xc[likes], background)
    scores = before.score(xc)
    scores[likes] = -np.inf
    pick = int(np.argmax(scores))
    twin = [i for i in _near(x, pick, 10) if i != pick and i not in likes][0]
    after = rec.fit(xc[likes], background, neg=xc[[pick]])
    assert after.score(xc[[pick]])[0] < before.score(xc[[pick]])[0]
    assert after.score(xc[[twin]])[0] < before.score(xc[[twin]])[0]
    # a paper unlike the rejected one keeps its score
    other = int(np.argmin(x @ x[pick]))
    assert after.score(xc[[other]])[0] == pytest.approx(before.score(xc[[other]])[0], abs=1e-5)


def test_because_names_the_closest_positives(space):
    x, xc, background = space
    likes = np.r_[_near(x, 0, 3), _near(x, topics.far_seed(0), 3)]
    labels = [{"kind": "upvoted", "id": str(i), "title": f"t{i}", "url": None} for i in likes]
    m = rec.fit(xc[likes], background, labels=labels)
    # a neighbour of the first group is explained by papers of the first group
    probe = [i for i in _near(x, 0, 12) if i not in likes][0]
    idx = m.because(xc[[probe]])[0]
    assert len(idx) == 2
    assert {m.labels[i]["id"] for i in idx} <= {str(i) for i in likes[:3]}


def test_a_stored_model_scores_like_the_fitted_one(space):
    x, xc, background = space
    likes = _near(x, 3, 12)  # enough for the linear SVM
    m = rec.fit(xc[likes], background, neg=xc[[500]], labels=[{"id": str(i)} for i in likes])
    back = rec.Model.from_bytes(m.to_bytes())
    assert np.allclose(back.score(xc), m.score(xc), atol=1e-5)
    assert back.labels == m.labels


def test_a_model_needs_a_positive(space):
    _, xc, background = space
    with pytest.raises(ValueError):
        rec.fit(xc[:0], background)
