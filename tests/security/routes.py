"""The app's routes as the probes see them: every route (enumerated from ``app.routes``),
a concrete address for each with the town's real ids, the fields its form or JSON body takes,
and who may use it."""

from __future__ import annotations

import re

import fastapi.routing
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from paperboy.community import signin
from paperboy.digest import subscriptions

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Last, in this order: each ends something later routes need.
LAST = ["/admin/members/{member_id}/remove", "/account/tokens/{token_id}/revoke", "/signout",
        "/account/signout-everywhere", "/account/delete"]
PARAM = re.compile(r"{(\w+)(?::\w+)?}")
# Fields of the routes that read their form or body themselves (not declared to FastAPI).
UNDECLARED = {"/submit": ["id"], "/papers/{paper_id}/upvote": ["next"], "/for-you/{paper_id}/not-interested": ["next"],
              "/for-you/{paper_id}/undo": ["next"], "/papers/{paper_id}/merge": ["into"],
              "/papers/{paper_id}/pin": ["day"], "/api/papers/{paper_id}/merge": ["into"],
              "/api/papers/{paper_id}/pin": ["day"]}


def api_routes(app: FastAPI) -> list[tuple[set[str], str, APIRoute]]:
    """(methods, path, route) of every route of the app. FastAPI now keeps included routers
    wrapped in ``app.routes``; its iter_route_contexts unwraps them."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    found = list(contexts(app.routes)) if contexts else list(app.routes)
    out = []
    for r in found:
        route = getattr(r, "original_route", r)
        if isinstance(route, APIRoute):
            out.append((set(r.methods or ()), r.path, route))
    return out


def plain(path: str) -> str:
    """``/papers/{paper_id:path}`` → ``/papers/{paper_id}``."""
    return PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def body_fields(route: APIRoute, path: str) -> tuple[str, list[str]]:
    """("json" or "form", the field names) of what the route reads from its body."""
    params = list(route.dependant.body_params)
    for sub in route.dependant.dependencies:
        params += sub.body_params
    names: list[str] = []
    kind = "json" if path.startswith("/api/") else "form"
    for p in params:
        model = getattr(p.field_info, "annotation", None)
        if isinstance(model, type) and issubclass(model, BaseModel):
            names += list(model.model_fields)
        elif (p.alias or p.name) != "csrf":
            names.append(p.alias or p.name)
    return kind, names + [f for f in UNDECLARED.get(plain(path), []) if f not in names]


def query_fields(route: APIRoute) -> list[str]:
    params = list(route.dependant.query_params)
    for sub in route.dependant.dependencies:
        params += sub.query_params
    return [p.alias or p.name for p in params]


def write_routes(app) -> list[tuple[str, str]]:
    """(method, path template) of every state-changing route, destructive ones last."""
    found = sorted({(m, path) for methods, path, _ in api_routes(app) for m in methods & WRITES})
    return sorted(found, key=lambda mp: (LAST.index(mp[1]) if mp[1] in LAST else -1, mp))


def actor(world, path: str):
    if path.startswith("/admin"):
        return world.admin
    if re.search(r"/(hide|unhide|pin|unpin|merge)$", path):
        return world.curator
    return world.ada


def _token(town, path: str) -> str:
    """A real token for the routes whose last part is one (an emailed link)."""
    w = town.world
    with town.conn() as conn:
        if path.startswith("/confirm/"):
            token = subscriptions.subscribe(conn, "new-sub@example.org").token or "used-up"
        elif path.startswith("/signin/"):
            token = signin.new_link(conn, w.ada.member.email)
        else:
            purpose = "preferences" if path.startswith("/preferences/") else "unsubscribe"
            token = subscriptions.sign(w.secret, purpose, w.ada.subscriber)
        conn.commit()
    return token


def concrete(town, path: str, **override: object) -> str:
    w = town.world
    values = {"paper_id": w.papers[30], "collection_id": w.ada.private, "comment_id": w.ada.comment,
              "entry_id": w.ada.entry, "token_id": w.ada.token_id, "member_id": w.bob.id,
              "name": w.bob.member.name, "topic_id": 1, **override}
    names = PARAM.findall(path)
    unknown = set(names) - set(values) - {"token"}
    assert not unknown, f"{path}: a new path parameter {unknown}: tell this test what to put there"
    if "token" in names:
        values["token"] = _token(town, path)
    return PARAM.sub(lambda m: str(values[m.group(1)]), path)


def fields(town, path: str, who) -> dict[str, str]:
    """What the route's form needs to do something (so the control can succeed)."""
    w = town.world
    by_path = {
        "/account/name": {"name": "ada-renamed"}, "/account/password": {"password": "x" * 14, "again": "x" * 14},
        "/account/tokens": {"name": "t"}, "/account/delete": {"confirm": who.member.email},
        "/collections": {"name": "made by csrf probe"}, "/collections/{collection_id}/edit": {"name": "renamed"},
        "/collections/{collection_id}/remove": {"paper": w.papers[0]},
        "/collections/save": {"paper": w.papers[31], "collection": str(w.ada.private)},
        "/papers/{paper_id}/comments": {"body": "a comment"}, "/comments/{comment_id}/edit": {"body": "edited"},
        "/submit": {"id": w.papers[32]}, "/admin/invite": {"emails": "invited@example.org"},
        "/admin/members/{member_id}/role": {"role": "curator"}, "/admin/members/{member_id}/remove": {"sure": "yes"}, "/signin": {"email": "ada@example.org"},
        "/subscribe": {"email": "someone@example.org"}, "/papers/{paper_id}/merge": {"into": w.papers[33]},
        "/preferences/{token}": {"frequency": "weekly", "weekday": "2", "send_hour": "9", "timezone": "UTC",
                                 "max_papers": "5", "topics": "agents"},
        "/papers/{paper_id}/pin": {"day": "2024-10-14"},
    }
    key = PARAM.sub(lambda m: "{" + m.group(1) + "}", path).removeprefix("/api")
    data = by_path.get(key, {})
    if path.endswith("/comments") and path.startswith("/api/"):
        data = {"body": "a comment"}
    return data


def send(client, method: str, path: str, url: str, data: dict, headers: dict, csrf: str | None = None):
    headers = dict(headers)
    if path.startswith("/api/"):
        if csrf is not None:
            headers["X-CSRF-Token"] = csrf
        if path == "/api/library/import":
            return client.request(method, url, content=b"@article{k, title={Probe entry}, year={2021}}",
                                  headers={**headers, "Content-Type": "application/x-bibtex"})
        return client.request(method, url, json=data or None, headers=headers)
    if path == "/account/library":
        return client.request(method, url, data={"csrf": csrf} if csrf is not None else {}, headers=headers,
                              files={"file": ("mine.bib", b"@article{k, title={Probe entry}, year={2021}}")})
    body = {**data, **({"csrf": csrf} if csrf is not None else {})}
    return client.request(method, url, data=body, headers=headers)


def form_token(town, path: str, url: str) -> str:
    """The signed token an anonymous form carries (csrf.token for its address)."""
    from paperboy.web import csrf

    return csrf.token(town.world.secret, "/signin" if path == "/signin" else url.split("?")[0])


