"""Screenshots of the main pages at 1280 and 390 px wide, light and dark, to look at by hand.

Run by hand:  .venv/bin/python bench/screens.py [--base URL] [--out DIR] [--dark]

Without --base it loads the shipped demo corpus into a new PAPERBOY_HOME (a temporary folder)
and serves it with `paperboy serve --no-fetch --no-embed` for the length of the run. Pages are
drawn by Debian's Chromium (/usr/bin/chromium) through Playwright, as the tests do. Each page
is saved as DIR/<page>-<width>[-dark].png (the first screen, as a person sees it on arrival)
and the script prints where the first paper of each list starts, in pixels from the top.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = {
    "daily": "/", "trending": "/trending", "new": "/new", "search": "/search?q=video+generation",
    "paper": "/papers/2410.13720", "paper-no-id": None, "for-you": "/for-you", "collections": "/collections",
    "signin": "/signin", "submit": "/submit", "subscribe": "/subscribe",
}
WIDTHS = {1280: 900, 390: 844}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_server(home: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PAPERBOY_HOME": str(home), "PAPERBOY_LOG_LEVEL": "warning"}
    cmd = [sys.executable, "-m", "paperboy"]
    subprocess.run([*cmd, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([*cmd, "serve", "--port", str(port), "--no-fetch", "--no-embed"],
                            env={**env, "PAPERBOY_BASE_URL": base}, stdout=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(base + "/static/style.css", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("paperboy serve did not start")


def shoot(base: str, out: Path, dark: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    idless = httpx.get(base + "/api/papers/search", params={"q": "CosmicMan", "mode": "keyword"}).json()
    pages = {k: v for k, v in PAGES.items() if v}
    if idless and idless[0]["paper"]["id"].startswith("t-"):
        pages["paper-no-id"] = f"/papers/{idless[0]['paper']['id']}"
    schemes = ["light", "dark"] if dark else ["light"]
    print("| page | width | scheme | first paper starts at (px) | file |\n|---|---|---|---|---|")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for width, height in WIDTHS.items():
            for scheme in schemes:
                context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
                page = context.new_page()
                for name, path in pages.items():
                    page.goto(base + path)
                    card = page.locator("article.card")
                    top = f"{card.first.bounding_box()['y']:.0f}" if card.count() else "-"
                    file = out / f"{name}-{width}{'-dark' if scheme == 'dark' else ''}.png"
                    page.screenshot(path=str(file))
                    print(f"| {name} | {width} | {scheme} | {top} | {file} |")
                context.close()
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", help="a running paperboy (default: serve the demo corpus now)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "screens", help="where to write (bench/screens)")
    ap.add_argument("--dark", action="store_true", help="dark mode too")
    args = ap.parse_args()
    if args.base:
        shoot(args.base.rstrip("/"), args.out, args.dark)
        return
    with tempfile.TemporaryDirectory(prefix="paperboy-screens-") as home:
        proc, base = demo_server(Path(home))
        try:
            shoot(base, args.out, args.dark)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
