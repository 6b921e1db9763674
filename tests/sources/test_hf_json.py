"""hf_json: scraped per-day files, the /api/daily_papers shape, and the snapshot."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperboy.demo import data_dir
from paperboy.papers.record import ParseError
from paperboy.sources import hf_json
from tests.helpers import shared

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
DAILY = DATA / "hf-daily-papers-2024"
SNAPSHOT = DATA / "hf-papers-2024-04-snapshot.json"
LARP = "2312.17653"


def parse_file(path: Path) -> Any:
    return hf_json.parse(path.read_text(encoding="utf-8"), path.name, None)


def test_all_daily_files() -> None:
    shared("hf-daily-papers-2024")  # skips, saying so, when the folder is absent
    files = sorted(DAILY.glob("*.json"))
    assert len(files) == 315
    entries, ids, raw_entries, raw_ids = 0, set(), 0, set()
    for path in files:
        raw = json.loads(path.read_text(encoding="utf-8"))
        result = parse_file(path)
        assert result.rejected == []
        # Per file, against the raw JSON read here.
        assert [p.title for p in result.papers] == [
            " ".join(r["title"].split()) for r in raw["papers"]
        ]
        assert [p.arxiv_id for p in result.papers] == [
            r["url"].rsplit("/", 1)[1] for r in raw["papers"]
        ]
        assert {p.listed_on for p in result.papers} <= {date.fromisoformat(path.stem)}
        assert all(p.source == "hf-daily" and p.num_authors is None for p in result.papers)
        entries += len(result.papers)
        ids |= {p.arxiv_id for p in result.papers}
        raw_entries += len(raw["papers"])
        raw_ids |= {r["url"].rsplit("/", 1)[1] for r in raw["papers"]}
    assert (entries, len(ids)) == (raw_entries, len(raw_ids)) == (4242, 2836)


def test_larp_in_the_daily_file() -> None:
    papers = parse_file(DAILY / "2024-01-01.json").papers
    (larp,) = [p for p in papers if p.arxiv_id == LARP]
    assert larp.title == "LARP: Language-Agent Role Play for Open-World Games"
    assert larp.authors == ("Ming Yan", "Ruihao Li", "Hao Zhang", "Ji Yan")
    assert larp.num_authors is None
    assert larp.listed_on == date(2024, 1, 1)
    assert larp.upvotes == 30
    assert larp.pdf_url == "https://arxiv.org/pdf/2312.17653.pdf"
    assert larp.summary.startswith(
        "Language agents have shown impressive problem-solving skills within defined settings"
    )
    assert "\n" not in larp.summary


def test_snapshot() -> None:
    raw = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    result = parse_file(SNAPSHOT)
    assert result.rejected == []
    assert len(result.papers) == len(raw) == 753
    assert [p.arxiv_id for p in result.papers] == list(raw)
    assert {p.source for p in result.papers} == {"hf-snapshot"}
    # Titles with arXiv's hard line breaks come out on one line.
    flowvid = next(p for p in result.papers if p.arxiv_id == "2312.17681")
    assert (
        flowvid.title
        == "FlowVid: Taming Imperfect Optical Flows for Consistent Video-to-Video Synthesis"
    )
    (larp,) = [p for p in result.papers if p.arxiv_id == LARP]
    assert larp.authors == (
        "Ming Yan",
        "Ruihao Li",
        "Hao Zhang",
        "Hao Wang",
        "Zhilan Yang",
        "Ji Yan",
    )
    assert (larp.published_at, larp.upvotes, larp.listed_on) == (date(2023, 12, 24), 29, None)
    # README: every snapshot paper is also in the daily files.
    daily_ids = {p.arxiv_id for f in DAILY.glob("*.json") for p in parse_file(f).papers}
    assert {p.arxiv_id for p in result.papers} <= daily_ids


# Shaped after the HF OpenAPI schema of /api/daily_papers (abridged).
API_ITEM: dict[str, Any] = {
    "paper": {
        "id": "2501.00001",
        "authors": [
            {"_id": "a1", "name": "Ada Lovelace", "hidden": False},
            {"_id": "a2", "name": "Alan Turing", "hidden": False, "user": {"name": "alan"}},
        ],
        "publishedAt": "2024-12-30T18:59:59.000Z",
        "submittedOnDailyAt": "2025-01-02T03:04:05.000Z",
        "title": "On Engines\n  and Numbers",
        "summary": "We compute $\\sum_i x_i < 3$ with <b>care</b>.",
        "upvotes": 42,
        "discussionId": "d1",
        "githubRepo": "https://github.com/ada/engine",
        "githubStars": 7,
        "projectPage": "https://ada.example/engine",
        "ai_keywords": ["engines", "numbers"],
        "ai_summary": "Engines compute numbers.",
    },
    "publishedAt": "2025-01-03T09:00:00.000Z",
    "title": "On Engines and Numbers",
    "summary": "outer summary",
    "thumbnail": "https://example/thumb.png",
    "numComments": 3,
    "submittedBy": {"_id": "u1", "name": "akhaliq", "fullname": "AK", "type": "user"},
    "isAuthorParticipating": False,
}


def test_api_daily_papers_list() -> None:
    minimal = {"paper": {"id": "2501.00002", "title": "Bare", "githubRepo": " ", "projectPage": ""}}
    result = hf_json.parse(json.dumps([API_ITEM, minimal]), "daily_papers.json", None)
    assert result.rejected == []
    full, bare = result.papers
    assert full.source == "hf-api"
    assert (full.arxiv_id, full.title) == ("2501.00001", "On Engines and Numbers")
    assert full.summary == "We compute $\\sum_i x_i < 3$ with <b>care</b>."
    assert full.authors == ("Ada Lovelace", "Alan Turing")
    assert (full.listed_on, full.published_at) == (date(2025, 1, 3), date(2024, 12, 30))
    assert (full.upvotes, full.github_repo) == (42, "https://github.com/ada/engine")
    assert full.project_page == "https://ada.example/engine"
    assert full.extra["num_comments"] == 3
    assert full.extra["submitted_by"] == "akhaliq"
    assert full.extra["github_stars"] == 7
    assert full.extra["ai_keywords"] == ["engines", "numbers"]
    assert (bare.arxiv_id, bare.title, bare.summary, bare.upvotes) == (
        "2501.00002",
        "Bare",
        "",
        None,
    )
    assert (bare.github_repo, bare.project_page, bare.listed_on, bare.extra) == (
        None,
        None,
        None,
        {},
    )


def test_single_api_papers_object() -> None:
    result = hf_json.parse(json.dumps(API_ITEM["paper"]), "2501.00001.json", None)
    (paper,) = result.papers
    assert (paper.source, paper.arxiv_id, paper.upvotes) == ("hf-api", "2501.00001", 42)
    assert paper.published_at == date(2024, 12, 30)
    assert paper.listed_on == date(2025, 1, 2)  # submittedOnDailyAt


def test_record_rejections_with_numbers() -> None:
    doc = {
        "date": "2024-05-06",
        "papers": [
            {"title": "Good", "url": "https://huggingface.co/papers/2405.00001"},
            {"title": "  ", "url": "https://huggingface.co/papers/2405.00002"},
            {"title": "No id", "url": "https://huggingface.co/papers/not-an-id"},
            ["not", "an", "object"],
            {"title": 12, "url": "https://huggingface.co/papers/2405.00003"},
            {
                "title": "Also good",
                "url": "https://huggingface.co/papers/2405.00004v2",
                "upvotes": "x",
            },
        ],
    }
    result = hf_json.parse(json.dumps(doc), "whatever.json", None)
    assert [p.arxiv_id for p in result.papers] == ["2405.00001", "2405.00004"]
    assert result.papers[1].version == 2 and result.papers[1].upvotes is None
    assert [r.where for r in result.rejected] == ["record 2", "record 3", "record 4", "record 5"]
    assert "title" in result.rejected[0].reason and "arXiv id" in result.rejected[1].reason


def test_api_and_snapshot_rejections() -> None:
    api = [{"paper": {"id": "nope", "title": "T"}}, {"paper": {"id": "2501.00003"}}, 5]
    result = hf_json.parse(json.dumps(api), "x.json", None)
    assert result.papers == []
    assert [r.where for r in result.rejected] == ["record 1", "record 2", "record 3"]
    snap = {
        "2401.00001": {"title": "A"},
        "2401.00002": {"abstract": "no title"},
        "2401.00003": {"title": "C"},
    }
    result = hf_json.parse(json.dumps(snap), "x.json", None)
    assert [p.arxiv_id for p in result.papers] == ["2401.00001", "2401.00003"]
    assert [r.where for r in result.rejected] == ["record 2"]


def test_date_comes_from_name_when_missing() -> None:
    doc = {"papers": [{"title": "T", "url": "https://huggingface.co/papers/2405.00001"}]}
    result = hf_json.parse(json.dumps(doc), "2024-05-07.json", None)
    assert result.papers[0].listed_on == date(2024, 5, 7)
    assert hf_json.parse(json.dumps(doc), "x.json", None).papers[0].listed_on is None


def test_truncated_json() -> None:
    text = (DAILY / "2024-01-01.json").read_text(encoding="utf-8")
    with pytest.raises(ParseError) as err:
        hf_json.parse(text[: len(text) // 2], "2024-01-01.json", None)
    message = str(err.value)
    assert message.startswith("not valid JSON: ")
    assert "(line " in message and ", column " in message and "\n" not in message


@pytest.mark.parametrize("text", ['{"foo": 1}', "{}", '"just a string"', "42", "null"])
def test_unknown_shape(text: str) -> None:
    with pytest.raises(ParseError, match="none of the known"):
        hf_json.parse(text, "x.json", None)


def test_empty_api_list_is_no_papers() -> None:
    result = hf_json.parse("[]", "x.json", None)
    assert result.papers == [] and result.rejected == []


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "title", "url", "paper", "papers", "date", "authors", "upvotes"])
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), JSON.map(json.dumps)))
def test_fuzz_only_parse_errors(text: str) -> None:
    try:
        result = hf_json.parse(text, "fuzz.json", None)
    except ParseError as e:
        assert "\n" not in str(e)
        return
    assert all(p.title.strip() and p.arxiv_id for p in result.papers)


def test_a_stray_and_is_dropped_from_author_names() -> None:
    """Scraped author lists keep the "and" of "A, B and C" on the last name (issue 21):
    ["…", "Wanli Ouyang", "and Lei Bai"] in the day file the demo ships. The name is Lei Bai."""
    day = hf_json.parse(json.dumps({"date": "2024-10-21", "papers": [
        {"title": "FiTv2", "url": "https://huggingface.co/papers/2410.13925",
         "authors": ["Wanli Ouyang", "and Lei Bai", "and", "Alexander Anderson", "Sand Ers, and"]},
    ]}))
    assert day.papers[0].authors == ("Wanli Ouyang", "Lei Bai", "Alexander Anderson", "Sand Ers")
    shipped = parse_file(data_dir() / "hf-daily" / "2024-10-21.json")
    fit = next(p for p in shipped.papers if p.arxiv_id == "2410.13925")
    assert fit.authors[-2:] == ("Wanli Ouyang", "Lei Bai")
    assert not [a for p in shipped.papers for a in p.authors if a.lower().startswith("and ")]
