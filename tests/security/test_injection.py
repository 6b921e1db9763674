"""SQL injection and hostile values, with members (issue 14): every parameter of every route
(enumerated from the app: query parameters, path parameters, form fields and JSON body
fields) gets each SQL payload and a few hostile values (a NUL, a lone backslash, 100,000
characters), sent by whoever may use the route (anonymous, a member, a curator, an admin),
signed in by cookie with the right CSRF token so each request reaches the code behind it.

No answer is a server error or shows a database or Python error; no request sleeps
(``pg_sleep``); and afterwards every table is there and no paper or member is gone."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from tests.security.conftest import count
from tests.security.payloads import SQL, leaks
from tests.security.routes import (
    LAST,
    PARAM,
    actor,
    api_routes,
    body_fields,
    concrete,
    fields,
    query_fields,
)

HOSTILE = ["\x00", "a\x00b", "\\", "x" * 100_000, "\u202e\ufeff", "-9223372036854775809", "NaN", "[]", "{}"]
SKIP = {"/docs", "/static"}


def _tables(town) -> dict[str, int]:
    with town.conn() as conn:
        names = [r["tablename"] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {"tables": len(names),
                "papers": conn.execute("SELECT count(*) AS n FROM papers").fetchone()["n"],
                "members": conn.execute("SELECT count(*) AS n FROM members").fetchone()["n"]}


def _check(r, what: str, started: float, problems: list[str]) -> None:
    took = time.monotonic() - started
    if r.status_code >= 500:
        problems.append(f"{what}: {r.status_code} {r.text[:150]}")
    elif leaks(r.text):
        problems.append(f"{what}: leaks {leaks(r.text)}")
    elif took > 4:
        problems.append(f"{what}: took {took:.1f} s")


def _requests(town, method: str, path: str, route, value: str):
    """(description, client, method, url, kwargs) with ``value`` in each place in turn."""
    w = town.world
    who = actor(w, path) if path not in ("/signin", "/subscribe") else None
    url = concrete(town, path)
    whole, value = value, value[:4000]  # (an address is at most a few kB; bodies take it whole)
    for name in PARAM.findall(path):
        if name != "token":
            bad = concrete(town, path, **{name: quote(value, safe="")})
            yield f"{method} {path} [{name}]", who, method, bad, {}
    for name in query_fields(route):
        sep = "&" if "?" in url else "?"
        yield f"{method} {path} [?{name}]", who, method, f"{url}{sep}{name}={quote(value, safe='')}", {}
    if method != "GET":
        kind, names = body_fields(route, path)
        base = fields(town, path, who or w.ada)
        for name in names:
            body = {**base, name: whole}
            yield f"{method} {path} [{name}]", who, method, url, {kind: body}


@pytest.mark.parametrize("kind", ["sql", "hostile"])
def test_every_parameter_of_every_route_takes_injection(town, kind):
    payloads = SQL if kind == "sql" else HOSTILE
    before = _tables(town)
    problems: list[str] = []
    routes = sorted(((m, p, r) for methods, p, r in api_routes(town.app) for m in methods
                     if m != "HEAD" and not any(p.startswith(s) for s in SKIP) and p not in LAST),
                    key=lambda t: (t[1], t[0]))
    sessions: dict[int, tuple] = {}
    n = 0
    for method, path, route in routes:
        for value in payloads:
            for what, who, verb, url, kw in _requests(town, method, path, route, value):
                if who is None:
                    client, headers, csrf = town.browser(), {"Origin": "http://testserver"}, None
                else:
                    if who.id not in sessions:
                        sessions[who.id] = town.fresh_session(who)
                    client, csrf = sessions[who.id]
                    headers = {"X-CSRF-Token": csrf, "Origin": "http://testserver"}
                if "form" in kw and csrf:
                    kw = {"data": {**kw["form"], "csrf": csrf}}
                elif "form" in kw:
                    kw = {"data": kw["form"]}
                started = time.monotonic()
                r = client.request(verb, url, headers=headers, **kw)
                n += 1
                count(f"injection ({kind})", "anonymous" if who is None else
                      {town.world.admin.id: "admin", town.world.curator.id: "curator"}.get(who.id, "member"))
                _check(r, f"{what} = {value[:40]!r}", started, problems)
    assert n > 1000, n
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])
    after = _tables(town)
    assert after["tables"] == before["tables"] and after["papers"] == before["papers"]
    assert after["members"] >= before["members"]
