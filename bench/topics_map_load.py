"""The topic map's weight and speed in Chromium (issue 25: `/topics` at 75,000 papers, ≤ 500 KB
transferred, interactive in under 1 s).

Run by hand:  .venv/bin/python bench/topics_map_load.py [--home DIR] [--runs 5]

The database is bench/topics_corpus.py's: the 74,728 arXiv papers with their vectors and a topic
build over all of them (--home keeps and reuses it). `paperboy serve` (2 workers, response cache
on, as deployed) answers; headless Chromium (Playwright, /usr/bin/chromium, the flags of
tests/e2e) opens `/topics` in a fresh context each run (an empty browser cache) and reports:

* bytes transferred: the sum over every response of its headers and body as they came over the
  wire (compressed when the server compressed), and the map JSON's share, compressed and not;
* drawn: the time from navigation start until the canvas has drawn every point (data-ready);
* interactive: until pointing at a dot shows its tip (the hover answered), from navigation start.

Both server workers answer a few requests first (a deployed server is past its first). The
first run meets a cold response cache (the map's query runs in one worker); the later ones are
warmer (the second may meet the other worker cold). The
runs share the 2 cores with the server and PostgreSQL.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from feed_load import free_port, wait_for  # bench/feed_load.py (scripts run from bench/)
from topics_corpus import with_topics

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",  # as tests/e2e/conftest.py
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def one_load(browser, base: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    sizes: list[tuple[str, int, int, float]] = []  # url, bytes over the wire, decoded body bytes, ms to answer

    def done(request) -> None:
        s = request.sizes()
        response = request.response()
        try:
            body = len(response.body()) if response else 0
        except Exception:  # noqa: BLE001 - a late answer (a hovered title) as the context closes
            body = 0
        t = request.timing
        sizes.append((request.url, s["responseHeadersSize"] + s["responseBodySize"], body,
                      t["responseEnd"] - t["requestStart"]))

    page.on("requestfinished", done)
    page.goto(base + "/topics")
    page.wait_for_selector("#topic-map[data-ready]", timeout=30_000)
    drawn = page.evaluate("performance.now()")
    shaded = page.evaluate("window.topicMap.shaded()")
    box = page.locator("#topic-map").bounding_box()
    n = page.evaluate("window.topicMap.points().length")
    target = None
    for i in range(0, n, max(1, n // 200)):
        at = page.evaluate("i => window.topicMap.screenOf(i)", i)
        if box["x"] + 20 < at["x"] < box["x"] + box["width"] - 20 and box["y"] + 20 < at["y"] < box["y"] + box["height"] - 20:
            target = at
            break
    assert target is not None, "no point inside the canvas"
    page.mouse.move(target["x"], target["y"])
    page.wait_for_function("() => document.querySelector('#topic-map-tip').textContent.length > 0")
    interactive = page.evaluate("performance.now()")
    page.wait_for_load_state("networkidle")
    context.close()
    map_json = [s for s in sizes if "/api/topics/map?" in s[0]]
    return {"points": n, "shaded": shaded, "requests": len(sizes), "wire": sum(s[1] for s in sizes),
            "map_wire": sum(s[1] for s in map_json), "map_body": sum(s[2] for s in map_json),
            "map_ms": sum(s[3] for s in map_json),
            "drawn": drawn, "interactive": interactive}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, help="keep the filled database here and reuse it")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        home = args.home.resolve() if args.home else Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        url = with_topics(home)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "PAPERBOY_HOME": str(home), "PAPERBOY_RATE_LIMIT": "0",
               "PAPERBOY_TOPICS_EVERY": "off"}
        server = subprocess.Popen(
            [sys.executable, "-m", "paperboy", "serve", "--port", str(port), "--workers", str(args.workers),
             "--no-embed", "--no-fetch"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(port)
            for _ in range(6):  # both workers past their first request (a deployed server is)
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                c.request("GET", "/api/topics")
                c.getresponse().read()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                runs = [one_load(browser, f"http://127.0.0.1:{port}") for _ in range(args.runs)]
                browser.close()
        finally:
            server.terminate()
            server.wait(10)
    for i, r in enumerate(runs):
        print(f"run {i + 1} ({'cold' if i == 0 else 'warm'} server cache): {r['points']} points,"
              f" {r['shaded']} density cells,"
              f" {r['requests']} requests, {r['wire'] / 1024:.0f} KB transferred (map JSON {r['map_wire'] / 1024:.0f} KB"
              f" on the wire, {r['map_body'] / 1024:.0f} KB decoded, answered in {r['map_ms']:.0f} ms); drawn {r['drawn']:.0f} ms,"
              f" interactive (hover answered) {r['interactive']:.0f} ms", flush=True)
    warm = runs[1:] or runs
    print(f"warm median: {statistics.median(r['wire'] for r in warm) / 1024:.0f} KB, drawn"
          f" {statistics.median(r['drawn'] for r in warm):.0f} ms, interactive"
          f" {statistics.median(r['interactive'] for r in warm):.0f} ms (max {max(r['interactive'] for r in warm):.0f} ms)")


if __name__ == "__main__":
    main()
