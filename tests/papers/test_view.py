"""The read model of a stored paper: what every page, feed, email and API answer shows of it."""

from __future__ import annotations

from datetime import date

from paperboy.papers import view

ROW = {
    "id": "2411.00001", "arxiv_id": "2411.00001", "title": "A paper", "summary": "word " * 300,
    "authors": ["Ada", "Bo", "Cy", "Di"], "num_authors": 9, "upvotes": None,
    "published_at": date(2024, 11, 1), "listed_on": date(2024, 11, 4), "categories": ["cs.CL"],
    "github_repo": " https://github.com/a/b ", "project_page": "javascript:alert(1)",
    "pdf_url": "java\tscript:x", "extra": {"github_stars": 3, "num_comments": 2, "submitted_by": "eve"},
}


def test_every_link_is_checked_and_arxiv_stands_in_for_a_bad_pdf_link():
    v = view.of(ROW)
    assert v.links == view.Links(arxiv="https://arxiv.org/abs/2411.00001", pdf="https://arxiv.org/pdf/2411.00001",
                                 code="https://github.com/a/b", project=None)
    assert view.of({**ROW, "arxiv_id": None}).links == view.Links(code="https://github.com/a/b")


def test_counts_lines_and_excerpts():
    v = view.of(ROW)
    assert (v.n_authors, v.upvotes, v.path) == (9, 0, "/papers/2411.00001")
    assert v.authors_line == "Ada, Bo, Cy et al."
    assert view.of({**ROW, "authors": [], "num_authors": 6}).authors_line == "6 authors"
    assert len(v.excerpt) <= view.EXCERPT + 1 and v.excerpt.endswith("word…")
    assert len(v.email_excerpt) <= view.EMAIL_EXCERPT + 2 and v.email_excerpt.endswith(" …")
    assert view.of({**ROW, "summary": "short"}).excerpt == "short"


def test_the_day_shown_is_the_listing_day_then_published():
    assert view.of(ROW).shown_on == date(2024, 11, 4)
    assert view.of({**ROW, "day": date(2024, 11, 5)}).shown_on == date(2024, 11, 5)
    assert view.of({**ROW, "listed_on": None}).shown_on == date(2024, 11, 1)


def test_hf_shapes():
    item = view.of({**ROW, "day": date(2024, 11, 5)}).hf_daily_item()
    paper = item["paper"]
    assert item["publishedAt"] == "2024-11-05T00:00:00.000Z" and paper["publishedAt"] == "2024-11-01T00:00:00.000Z"
    # Hugging Face's user object, on the item and (as submittedOnDailyBy) on the paper
    by = item["submittedBy"]
    assert (item["numComments"], by["name"], by["fullname"], by["type"]) == (2, "eve", "eve", "user")
    assert (by["avatarUrl"], by["isPro"], len(by["_id"])) == ("", False, 24)
    assert paper["submittedOnDailyBy"] == by
    assert paper["authors"] == [{"name": a} for a in ROW["authors"]] and paper["numAuthors"] == 9
    assert (paper["githubRepo"], paper["projectPage"], paper["pdfUrl"]) == (
        "https://github.com/a/b", None, "https://arxiv.org/pdf/2411.00001")
    assert (paper["upvotes"], paper["githubStars"], paper["withdrawn"]) == (0, 3, False)
    bare = view.of({"id": "t-x", "title": "T", "summary": ""}).hf_daily_item()
    assert (bare["publishedAt"], bare["numComments"], bare["submittedBy"]) == (None, 0, None)
    assert bare["paper"]["submittedOnDailyBy"] is None


def test_the_submitter_a_member_here_wins_and_a_deleted_one_is_named_but_not_an_account():
    member = view.of({**ROW, "submitter": "ada"})
    assert (member.submitted_by, member.submitted_here) == ("ada", True)
    assert member.hf_daily_item()["submittedBy"]["name"] == "ada"
    assert member.hf_daily_item()["submittedBy"]["_id"] != view.of(ROW).hf_daily_item()["submittedBy"]["_id"]
    gone = view.of({**ROW, "submitter": ""})
    assert (gone.submitted_by, gone.submitted_here) == ("deleted member", True)
    assert gone.hf_daily_item()["submittedBy"] is None and gone.hf_paper()["submittedOnDailyBy"] is None
    hf = view.of(ROW)  # no submission here: Hugging Face's submitter
    assert (hf.submitted_by, hf.submitted_here) == ("eve", False)
