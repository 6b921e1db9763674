"""A local HTTP server that plays arXiv and Hugging Face, with faults on demand.

* ``/api/query`` replays the real arXiv API responses recorded in
  ``shared/data/arxiv-api-recorded/current``: the six pages of ten results of one paged
  search, served by their ``start`` whatever the query says (other page sizes regroup
  the same recorded entries). A query with ``id_list`` (one paper by id, as a submission
  asks) gets the recorded lookup of that id, with its recorded status (``abc``: arXiv's
  HTTP 400), and an id never recorded gets an empty feed, as arXiv answers an id it does
  not have. The recorded
  ``totalResults`` (214,881) becomes 60, the results there are, so paging ends as it
  would for a category with 60 new papers.
* ``/api/daily_papers?date=D&p=N&limit=L`` serves ``shared/data/hf-daily-papers-2024/D.json``
  in the shape of the HF API, paged with ``Link: <…>; rel="next"``. The files carry no
  submitter, GitHub or keywords: the first paper of each day gets made-up ones
  (``SYNTHETIC``) so merging them can be checked; ``upvote_bonus`` raises every count.

Every request is logged with its arrival time. A :class:`Fault` changes the answer to the
first ``times`` requests it matches: a timeout, a connection reset, a status (429 with
Retry-After, 503), a body cut short, a malformed body, or an empty page.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

SYNTHETIC = {"githubRepo": "https://github.com/example/replayed", "githubStars": 42,
             "ai_keywords": ["replay", "testing"], "submitter": "replay-bot"}

EMPTY_FEED = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/empty</id>
  <title>arXiv Query</title>
  <updated>2026-04-12T22:09:27Z</updated>
  <opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
</feed>
"""


@dataclass
class Fault:
    """``kind``: timeout, reset, status, truncate, malformed, empty or slow."""

    kind: str
    when: Callable[[str, dict[str, str]], bool] = lambda path, params: True
    times: int = 1
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 2.0
    hits: int = 0


def at(path_part: str, **want: object) -> Callable[[str, dict[str, str]], bool]:
    """Match requests whose path contains ``path_part`` and whose parameters have these values."""
    def match(path: str, params: dict[str, str]) -> bool:
        return path_part in path and all(params.get(k) == str(v) for k, v in want.items())
    return match


@dataclass
class Seen:
    t: float
    path: str
    params: dict[str, str]
    fault: str | None


class Replay:
    def __init__(self, shared: Path) -> None:
        self.shared = shared
        self.log: list[Seen] = []
        self.headers_seen: list[dict[str, str]] = []  # the headers of requests to other() routes
        self.faults: list[Fault] = []
        self.upvote_bonus = 0
        self.arxiv_total = 60
        self.arxiv_pages: dict[int, str] = {}
        current = shared / "arxiv-api-recorded" / "current"
        for f in sorted(current.glob("q_testing_s*_m10_*.json")):
            start = int(re.search(r"_s(\d+)_m10_", f.name).group(1))
            if start % 10 == 0:
                body = json.loads(f.read_text())["body"]
                self.arxiv_pages[start] = re.sub(
                    r"<opensearch:totalResults>\d+<", lambda m: f"<opensearch:totalResults>{self.arxiv_total}<", body)
        # One-paper lookups, by the id_list they asked for: (status, body).
        self.arxiv_ids: dict[str, tuple[int, str]] = {}
        for f in sorted(current.glob("id_*.json")):
            rec = json.loads(f.read_text())
            wanted = parse_qs(urlsplit(rec["url"]).query).get("id_list", [""])[0]
            if wanted and "," not in wanted:
                self.arxiv_ids[wanted] = (rec["status_code"], rec["body"])
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        # stop() waits for serve_forever to look again: every 0.5 s by default, a quarter second
        # of most tests that use a replay server
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Replay:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- what the sources answer --------------------------------------------------------

    def arxiv_body(self, params: dict[str, str]) -> str:
        """The recorded page for pages of ten; other page sizes get the same recorded entries
        regrouped under the recorded feed header."""
        start = int(params.get("start", 0))
        size = int(params.get("max_results", 10))
        if start in self.arxiv_pages and size == 10:
            return self.arxiv_pages[start]
        entries = [e for s in sorted(self.arxiv_pages)
                   for e in re.findall(r"<entry>.*?</entry>", self.arxiv_pages[s], re.S)]
        chosen = entries[start:start + size]
        if not chosen:
            return EMPTY_FEED.format(total=self.arxiv_total, start=start, size=size)
        first = self.arxiv_pages[0]
        head = first[: first.index("<entry>")]
        head = re.sub(r"<opensearch:startIndex>\d+<", f"<opensearch:startIndex>{start}<", head)
        head = re.sub(r"<opensearch:itemsPerPage>\d+<", f"<opensearch:itemsPerPage>{size}<", head)
        return head + "\n  ".join(chosen) + "\n</feed>\n"

    def arxiv_lookup(self, id_list: str) -> tuple[int, str]:
        """The recorded answer to a lookup by id; an empty feed for an id never recorded."""
        return self.arxiv_ids.get(id_list, (200, EMPTY_FEED.format(total=0, start=0, size=1)))

    def hf_items(self, day: str) -> list[dict]:
        path = self.shared / "hf-daily-papers-2024" / f"{day}.json"
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) or not path.exists():
            return []
        items = []
        for n, rec in enumerate(json.loads(path.read_text())["papers"]):
            arxiv_id = rec["url"].rstrip("/").split("/")[-1]
            paper = {"id": arxiv_id, "title": rec["title"], "summary": rec["abstract"],
                     "authors": [{"name": a} for a in rec["authors"]],
                     "publishedAt": f"{day}T00:00:00.000Z",
                     "upvotes": rec["upvotes"] + self.upvote_bonus}
            item = {"paper": paper, "publishedAt": f"{day}T13:00:00.000Z", "title": rec["title"],
                    "numComments": 0, "submittedBy": None}
            if n == 0:
                paper.update(githubRepo=SYNTHETIC["githubRepo"], githubStars=SYNTHETIC["githubStars"],
                             ai_keywords=SYNTHETIC["ai_keywords"])
                item["submittedBy"] = {"name": SYNTHETIC["submitter"], "fullname": "Replay Bot"}
            items.append(item)
        return items

    def hf_page(self, params: dict[str, str]) -> tuple[str, dict[str, str]]:
        day = params.get("date", "")
        p, limit = int(params.get("p", 0)), int(params.get("limit", 50))
        items = self.hf_items(day)
        page = items[p * limit:(p + 1) * limit]
        headers = {}
        if (p + 1) * limit < len(items):
            nxt = urlencode({"date": day, "p": p + 1, "limit": limit})
            headers["Link"] = f'<{self.url}/api/daily_papers?{nxt}>; rel="next"'
        return json.dumps(page), headers

    def other(self, path: str, params: dict[str, str]) -> tuple[int, str, dict[str, str], str] | None:
        """More routes for a subclass: (status, body, headers, content type), None for 404."""
        return None

    # -- the server -----------------------------------------------------------------------

    def _fault_for(self, path: str, params: dict[str, str]) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.hits < fault.times and fault.when(path, params):
                    fault.hits += 1
                    return fault
        return None

    def requests_to(self, path_part: str) -> list[Seen]:
        return [s for s in self.log if path_part in s.path]

    def _handler(self):
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None,
                      length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                fault = replay._fault_for(url.path, params)
                replay.log.append(Seen(time.monotonic(), url.path, params, fault and fault.kind))
                is_arxiv = url.path.endswith("/api/query")
                status = 200
                if is_arxiv and params.get("id_list"):
                    (status, body), headers, ctype = replay.arxiv_lookup(params["id_list"]), {}, "application/atom+xml"
                elif is_arxiv:
                    body, headers, ctype = replay.arxiv_body(params), {}, "application/atom+xml"
                elif url.path.endswith("/api/daily_papers"):
                    (body, headers), ctype = replay.hf_page(params), "application/json"
                elif (other := replay.other(url.path, params)) is not None:
                    replay.headers_seen.append(dict(self.headers.items()))
                    status, body, headers, ctype = other
                else:
                    self._send(404, b"not found", "text/plain")
                    return
                data = body.encode()
                kind = fault.kind if fault else None
                try:
                    if kind == "timeout":
                        time.sleep(fault.seconds)
                        self.close_connection = True
                    elif kind == "slow":
                        time.sleep(fault.seconds)
                    elif kind == "reset":
                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.connection.close()
                        self.close_connection = True
                        return
                    elif kind == "status":
                        self._send(fault.status, b"<html>Service unavailable</html>", "text/html", fault.headers)
                        return
                    elif kind == "truncate":
                        self._send(200, data[: len(data) // 2], ctype, headers, length=len(data))
                        self.close_connection = True
                        return
                    elif kind == "malformed":
                        broken = data[: len(data) // 2] + (b"</entry>" if is_arxiv else b"]")
                        self._send(200, broken, ctype, headers)
                        return
                    elif kind == "empty":
                        if is_arxiv:
                            empty = EMPTY_FEED.format(total=replay.arxiv_total, start=params.get("start", 0),
                                                      size=params.get("max_results", 10))
                            self._send(200, empty.encode(), ctype)
                        else:
                            self._send(200, b"[]", ctype, headers)
                        return
                    self._send(status, data, ctype, headers)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    self.close_connection = True

        return Handler
