"""The documentation keeps step with the code: every setting, command, sub-command, option and
route is documented (a test fails when one is missing), and the README stays a short front door."""

from __future__ import annotations

import re

import typer

from paperboy import config
from paperboy.cli import app
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text()
DOCS = {p.name: p.read_text() for p in sorted((ROOT / "docs").glob("*.md"))}
EVERYTHING = README + "\n".join(DOCS.values())


def _commands(group, path: str = "paperboy"):
    """(full name, command) of every command and sub-command, depth first. (Typer ships its
    own copy of click, so groups and options are recognised by what they have.)"""
    for name, cmd in sorted(group.commands.items()):
        yield f"{path} {name}", cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, f"{path} {name}")


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_every_setting_is_in_the_settings_page():
    for name in config.SETTINGS:
        assert f"`{name}`" in DOCS["settings.md"], f"{name} is not documented in docs/settings.md"


def test_every_command_and_sub_command_is_documented():
    names = [n for n, _ in COMMANDS]
    assert {"paperboy import", "paperboy serve", "paperboy fetch arxiv", "paperboy digest send"} <= set(names)
    for name in names:
        assert name in EVERYTHING, f"`{name}` is documented nowhere (README.md or docs/)"


def test_every_option_is_documented():
    missing = []
    for name, cmd in COMMANDS:
        for param in cmd.params:
            if param.param_type_name == "option" and not getattr(param, "hidden", False):
                flags = [o for o in param.opts + param.secondary_opts if o.startswith("--")]
                if flags and not any(f in EVERYTHING for f in flags):
                    missing.append(f"{name} {flags[0]}")
    assert not missing, f"options documented nowhere (README.md or docs/): {missing}"


# A path parameter however it is written: `{paper_id:path}` in a route, `{id}` in the docs.
_PARAM = re.compile(r"\{[^{}]*\}")
# Sibling routes written as one: `POST /papers/{id}/hide|unhide` (`\|` inside a table).
_SIBLINGS = re.compile(r"(/[\w{}./-]*/)?([\w.-]+(?:\\?\|[\w.-]+)+)")


def _documented_paths() -> str:
    text = _PARAM.sub("{}", EVERYTHING)
    return _SIBLINGS.sub(lambda m: " ".join((m.group(1) or "") + alt
                                            for alt in re.split(r"\\?\|", m.group(2))), text)


def _app_paths(app) -> set[str]:
    try:  # FastAPI 0.165 keeps an included router whole; this lists its routes with prefixes
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return {r.path for r in app.routes}
    return {c.path for c in iter_route_contexts(app.routes)}


def test_every_route_is_documented(db, tmp_path):
    from paperboy.web.app import create_app

    paths = _app_paths(create_app(db, cache_seconds=0, rate_limit=0, home=tmp_path))
    assert {"/", "/api/daily_papers", "/papers/{paper_id:path}", "/static", "/openapi.json"} <= paths
    # Nothing is excused: FastAPI's own routes here are /openapi.json and /docs (the API's
    # description and its Swagger UI, documented like the rest); /static is a mount of ours.
    docs = _documented_paths()
    missing = sorted(p for p in paths
                     if not re.search(re.escape(_PARAM.sub("{}", p)) + r"(?![\w/{}.-])", docs))
    assert not missing, f"routes documented nowhere (README.md or docs/*.md): {missing}"


def test_the_two_commands_are_in_the_readme_and_ci():
    assert "make demo" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_is_a_front_door_that_links_every_page():
    assert len(README) < 8_000, "keep the README short: reference belongs in docs/"
    for page in DOCS:
        if page != "README.md":
            assert f"docs/{page}" in README, f"the README does not link docs/{page}"


def test_the_trending_formula_is_written_as_the_code_computes_it():
    from paperboy import trending

    t = trending
    assert trending.ONE_LINE == (
        f"Trending = (upvotes + {t.GROWTH_WEIGHT} × recent growth + {t.FRESHNESS}) ÷ "
        f"(days since listed + {t.AGE_SHIFT})^{t.GRAVITY}, over the last {t.WINDOW_DAYS} days with listings.")
    assert t.score(10, 3, 4) == (10 + t.GROWTH_WEIGHT * 3 + t.FRESHNESS) / (4 + t.AGE_SHIFT) ** t.GRAVITY
    assert (f"score = (upvotes + {t.GROWTH_WEIGHT} × growth + {t.FRESHNESS}) / (age_in_days + {t.AGE_SHIFT})"
            f" ^ {t.GRAVITY}") in (trending.__doc__ or "")
    assert (f"score = (upvotes + {t.GROWTH_WEIGHT} × growth + {t.FRESHNESS}) ÷ (days since first listed + "
            f"{t.AGE_SHIFT})^{t.GRAVITY}, over the\npapers first listed on the hub's last {t.WINDOW_DAYS}"
            " *listed days*") in DOCS["web.md"]
