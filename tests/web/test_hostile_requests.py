"""Issue 10, the web side: security headers, a CSP the pages keep, Host headers, the CSRF
origin check and the response cache, each driven through the real app."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from paperboy import config
from paperboy.web.app import create_app
from tests.community.people import sign_in
from tests.web.hostile import DAY, PageParts, add_paper, response_cache

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "paperboy" / "web" / "templates"
SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
            "referrer-policy": "strict-origin-when-cross-origin"}


def directives(csp: str) -> dict[str, str]:
    return {d.split()[0]: d.strip() for d in csp.split(";") if d.strip()}


def assert_secured(r, what: str) -> None:
    for name, value in SECURITY.items():
        assert r.headers.get(name) == value, (what, name)
    csp = directives(r.headers["content-security-policy"])
    assert csp["script-src"] == "script-src 'self'", what
    assert csp["default-src"] == "default-src 'self'" and csp["object-src"] == "object-src 'none'", what
    assert csp["frame-ancestors"] == "frame-ancestors 'none'", what
    assert csp["style-src"] == "style-src 'self'", what


def test_every_response_carries_the_security_headers(client, db, conn, monkeypatch):
    add_paper(conn, "t-one")
    for url in ["/", "/papers/t-one", "/trending", "/search?q=x&mode=keyword", "/subscribe", "/admin/status",
                "/api/daily_papers", "/api/papers/t-one", "/api/papers/nope", "/papers/nope",
                "/papers?date=9999-12-31", "/feeds/daily.atom", "/static/style.css", "/static/app.js",
                "/docs", "/openapi.json", "/static/swagger-ui/swagger-ui-bundle.js"]:
        assert_secured(client.get(url), url)
    assert_secured(client.get("/", headers={"host": "evil.example"}), "refused host")
    admin = TestClient(client.app)
    sign_in(admin, conn, "root@example.org", "admin")  # /admin/status is for admins: see it as one
    assert_secured(admin.get("/admin/status"), "/admin/status as an admin")

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("paperboy.trending.trending", boom)
    crashed = client.get("/trending")
    assert crashed.status_code == 500
    assert_secured(crashed, "a 500")
    monkeypatch.setenv("PAPERBOY_RATE_BURST", "1")
    limited = TestClient(create_app(db, cache_seconds=0, rate_limit=0.01))
    limited.get("/")
    too_many = limited.get("/api/trending")
    assert too_many.status_code == 429
    assert_secured(too_many, "a 429")


def test_pages_hold_no_inline_script_or_style(client, conn):
    add_paper(conn, "t-one")
    admin = TestClient(client.app)
    sign_in(admin, conn, "root@example.org", "admin")
    for url in ["/", "/papers/t-one", "/trending", "/search", "/search?q=paper&mode=keyword", "/subscribe",
                "/admin/status", "/papers/nope", "/docs"]:
        parts = PageParts((admin if url.startswith("/admin/") else client).get(url).text)
        assert parts.inline == [], url
        scripts = [u for u in parts.urls if u.split("?")[0].endswith(".js")]
        assert all(u.startswith("/static/") for u in scripts), (url, scripts)  # nothing from a CDN
    for template in TEMPLATES.glob("*.html"):  # the pages only reached with a token, too
        assert PageParts(template.read_text()).inline == [], template.name


def test_api_docs_are_served_from_this_instance(client):
    page = client.get("/docs")
    assert page.status_code == 200
    parts = PageParts(page.text)
    assert not [u for u in parts.urls if "//" in u], "no asset from another site"
    for url in parts.urls:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url
    assert client.get("/openapi.json").json()["info"]["title"] == "paperboy"


def test_absolute_links_come_from_the_base_url_never_the_host(db, conn):
    for i in range(3):
        add_paper(conn, f"t-p{i}", upvotes=i)
    app = create_app(db, cache_seconds=0, rate_limit=0, base_url="https://papers.example.org",
                     trusted_hosts=("*",))
    client = TestClient(app, base_url="http://evil.example")
    r = client.get("/api/daily_papers", params={"date": str(DAY), "limit": 1})
    link = re.fullmatch(r'<(https://papers\.example\.org/api/daily_papers\?[^>]+)>; rel="next"', r.headers["link"])
    assert link and parse_qs(urlsplit(link[1]).query) == {"date": [str(DAY)], "limit": ["1"], "p": ["1"]}
    assert client.get("/api/trending?limit=1").headers["link"].startswith("<https://papers.example.org/")
    for name in ("daily", "trending"):
        feed = ET.fromstring(client.get(f"/feeds/{name}.atom").content)
        urls = [e.get("href") for e in feed.iter("{http://www.w3.org/2005/Atom}link")]
        urls += [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}id")]
        assert urls and all(u.startswith("https://papers.example.org/") for u in urls), urls
    assert "evil.example" not in client.get("/papers", params={"date": str(DAY), "sort": "publishedAt"}).text


def test_only_trusted_host_names_are_answered(db, monkeypatch):
    monkeypatch.delenv("PAPERBOY_TRUSTED_HOSTS", raising=False)
    client = TestClient(create_app(db, cache_seconds=0, rate_limit=0, base_url="https://papers.example.org"))
    for host in ["papers.example.org", "PAPERS.example.org:443", "localhost:8000", "127.0.0.1", "[::1]:8000"]:
        assert client.get("/api/trending", headers={"host": host}).status_code == 200, host
    for host in ["evil.example", "papers.example.org.evil.example", "", "a b", "papers.example.org@evil"]:
        assert client.get("/api/trending", headers={"host": host}).status_code == 400, host

    monkeypatch.setenv("PAPERBOY_TRUSTED_HOSTS", "a.example, *.b.example")
    listed = TestClient(create_app(db, cache_seconds=0, rate_limit=0))
    assert [listed.get("/api/trending", headers={"host": h}).status_code
            for h in ("a.example", "x.b.example", "b.example", "localhost")] == [200, 200, 400, 400]
    monkeypatch.setenv("PAPERBOY_TRUSTED_HOSTS", "*")
    anyone = TestClient(create_app(db, cache_seconds=0, rate_limit=0))
    assert anyone.get("/api/trending", headers={"host": "whatever.example"}).status_code == 200


def test_default_trusted_hosts_follow_the_base_url(monkeypatch):
    monkeypatch.delenv("PAPERBOY_TRUSTED_HOSTS", raising=False)
    monkeypatch.setenv("PAPERBOY_BASE_URL", "https://Hub.example.org:8443/paperboy")
    assert config.load().trusted_hosts == ("hub.example.org", "localhost", "127.0.0.1", "::1")


@pytest.mark.parametrize("header, value, allowed", [
    ("origin", "http://testserver", True),
    ("referer", "http://testserver/subscribe", True),
    ("origin", "https://testserver", False),  # same host, another scheme
    ("origin", "http://testserver:8080", False),
    ("origin", "ws://testserver", False),
    ("referer", "ftp://testserver/subscribe", False),
    ("origin", "http://evil.example", False),
    ("origin", "null", False),
])
def test_the_csrf_check_compares_scheme_host_and_port(client, header, value, allowed):
    r = client.post("/subscribe", data={"email": "not an address"}, headers={header: value})
    assert (r.status_code != 403) is allowed, (r.status_code, r.text[:200])


def test_the_csrf_check_accepts_the_base_url_behind_a_tls_proxy(db):
    app = create_app(db, cache_seconds=0, rate_limit=0, base_url="https://papers.example.org")
    client = TestClient(app, base_url="http://papers.example.org")  # the proxy speaks http to us
    ok = client.post("/subscribe", data={"email": "x"}, headers={"origin": "https://papers.example.org"})
    assert ok.status_code != 403
    other = client.post("/subscribe", data={"email": "x"}, headers={"origin": "https://papers.example.org:444"})
    assert other.status_code == 403


def test_junk_parameters_make_no_new_cache_entries(db, conn):
    add_paper(conn, "t-one")
    client = TestClient(create_app(db, cache_seconds=60, rate_limit=0))
    cache = response_cache(client)
    first = client.get("/api/trending?junk=0")
    assert first.headers["x-cache"] == "miss"
    for i in range(1, 2_100):
        assert client.get(f"/api/trending?junk={i}&utm_{i % 7}=x" + "y" * (i % 50)).headers["x-cache"] == "hit"
    assert len(cache.entries) == 1
    page = client.get("/trending?page=1&junk=<b>hello</b>")
    assert page.status_code == 200 and "junk" not in page.text and len(cache.entries) == 2


def test_the_cache_is_bounded_in_bytes_and_keeps_the_recent(db, conn, monkeypatch):
    monkeypatch.setenv("PAPERBOY_CACHE_MB", "0.25")
    for i in range(60):
        add_paper(conn, f"t-b{i}", title=f"Paper {i}", summary=" ".join(["filler"] * 1_200))
    client = TestClient(create_app(db, cache_seconds=60, rate_limit=0))
    cache = response_cache(client)
    assert cache.max_bytes == 262_144
    for i in range(60):
        assert client.get(f"/papers/t-b{i}").status_code == 200
        assert client.get(f"/api/papers/t-b{i}").status_code == 200
        assert cache.bytes <= cache.max_bytes
    bodies = sum(len(m.get("body", b"")) for _, messages, _ in cache.entries.values() for m in messages)
    assert bodies <= cache.max_bytes and 5 < len(cache.entries) < 120
    assert client.get("/api/papers/t-b59").headers["x-cache"] == "hit"  # the latest stay
    assert client.get("/papers/t-b0").headers["x-cache"] == "miss"  # the oldest went first
