"""The shape of the code stays as ARCHITECTURE.md draws it: short modules, no import cycles,
and no SQL in the layers that only parse, call and render (the CLI and the web)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.helpers import ROOT

SRC = ROOT / "src"
PACKAGE = SRC / "paperboy"
MAX_LINES = 400
# Words that start a SQL statement inside a string: SELECT … FROM, INSERT INTO, UPDATE … SET…
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|"
                 r"CREATE\s+(TABLE|INDEX)|pg_advisory\w*)\b", re.IGNORECASE | re.DOTALL)


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def test_no_module_is_over_400_lines():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by concern): {long}"


def _imports(name: str, path: Path) -> set[str]:
    """The paperboy modules ``name`` imports, at any level (a function-level import that dodges
    a cycle is still a cycle)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for block in ast.walk(tree)
                   if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING"
                   for n in ast.walk(block)}  # imports for type hints never run
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("paperboy")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if not base.startswith("paperboy"):
                continue
            for a in node.names:  # `from paperboy.db import embedded` imports the submodule
                sub = f"{base}.{a.name}"
                found.add(sub if sub in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def _package_of(module: str) -> str:
    return module if (PACKAGE / Path(*module.split(".")[1:]) / "__init__.py").exists() else \
        module.rpartition(".")[0]


def test_no_import_cycles():
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    # A package's __init__ re-exporting its own modules is not a cycle of design.
    for name in graph:
        graph[name] = {m for m in graph[name]
                       if not (name == _package_of(m) and m.startswith(name + "."))}
    cycles = _cycles(graph)
    assert not cycles, f"import cycles: {cycles}"


def test_no_sql_in_the_cli_or_the_web_layer():  # and the MCP layer
    offenders = []
    for name, path in MODULES.items():
        if not name.startswith(("paperboy.cli", "paperboy.web", "paperboy.mcp_server")):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, f"SQL in the CLI or web layer (move it into the feature's module): {offenders}"


def test_the_page_cache_is_invalidated_by_the_database_alone():
    """The tables public pages read bump data_version by trigger (migration 0017,
    tests/db/test_data_version.py); Python must not bump it by hand again, where a forgotten
    call leaves pages stale (a write to data_version outside the migrations fails here)."""
    bump = re.compile(r"UPDATE\s+data_version|bump_version\(", re.IGNORECASE)
    offenders = [f"{name}" for name, path in MODULES.items() if bump.search(path.read_text())]
    assert not offenders, f"data_version written by hand in {offenders}"



# An arXiv id written out as a pattern ("[0-9]{4}\.[0-9]{4,5}", "\d{4}\.\d{5}", "/[0-9]{7}").
ARXIV_ID_PATTERN = re.compile(r"\{4\}\\\.|\{4,5\}|/(?:\[0-9\]|\\d)\{7\}")


def test_one_pattern_defines_an_arxiv_id():
    home = MODULES["paperboy.papers.record"]
    offenders = []
    for name, path in MODULES.items():
        if path == home:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and ARXIV_ID_PATTERN.search(node.value):
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, f"arXiv id patterns outside papers/record.py (build on ARXIV_ID): {offenders}"
    # ... and inside it, once: the id is spelled by NEW_ARXIV_ID and OLD_ARXIV_ID alone.
    spelled = [n.value for n in ast.walk(ast.parse(home.read_text()))
               if isinstance(n, ast.Constant) and isinstance(n.value, str) and ARXIV_ID_PATTERN.search(n.value)]
    assert len(spelled) == 2, spelled


def test_what_every_route_shares_is_written_once_in_web_http():
    """The next-page Link header, the sign-in redirect and reading a period live in
    web/http.py (each was written 2 to 8 times across web/); docstrings may name them."""
    once = {'>; rel="next"': "a next-page Link header", "/signin?": "a sign-in redirect"}
    offenders = []
    for name, path in MODULES.items():
        if not name.startswith("paperboy.web.") or name == "paperboy.web.http":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                offenders += [f"{name}:{node.lineno} writes {what}" for mark, what in once.items()
                              if mark in node.value and "`" not in node.value]  # (docs quote it)
            if isinstance(node, ast.Attribute) and node.attr == "parse_period":
                offenders.append(f"{name}:{node.lineno} reads a period itself")
    assert not offenders, f"use web/http.py: {offenders}"


# What a module-level name may not hold in web/: state shared by every app in the process
# (two apps in one test process, or a second worker's, would see each other's).
_MUTABLE_CALLS = {"dict", "list", "set", "OrderedDict", "defaultdict", "deque", "Counter", "Lock", "RLock",
                  "Semaphore", "Event", "WeakValueDictionary", "WeakKeyDictionary"}
_CHANGES = {"append", "extend", "insert", "add", "update", "setdefault", "pop", "popitem", "clear", "remove",
            "discard", "move_to_end"}


def _mutable(value: ast.AST | None) -> bool:
    if isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp):
        return True
    if isinstance(value, ast.Call):
        f = value.func
        return (f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")) in _MUTABLE_CALLS
    return False


def test_no_module_level_mutable_singletons_in_web():
    """Per-process objects (limits, caches, marks, the personal slots) are built in create_app
    and hang off app.state; a module-level dict, list, lock or ``global`` is state that
    outlives the app and is shared by every app in the process.
    A table of constants (an UPPER_CASE name) may be a dict or list when nothing changes it."""
    offenders, tables, trees = [], set(), {}
    for name, path in MODULES.items():
        if name.startswith("paperboy.web"):
            trees[name] = tree = ast.parse(path.read_text())
            for node in tree.body:
                value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
                targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                if _mutable(value):
                    if names and all(n.isupper() for n in names):
                        tables.update(names)
                    else:
                        offenders.append(f"{name}:{node.lineno} {names}")
    for name, tree in trees.items():
        for n in ast.walk(tree):
            if isinstance(n, ast.Global):
                offenders.append(f"{name}:{n.lineno} global")
            changed = (n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AugAssign) else [])
            changed += [n.func.value] if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) \
                and n.func.attr in _CHANGES else []
            for t in changed:
                t = t.value if isinstance(t, ast.Subscript) else t
                who = t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else None
                if who in tables and not (isinstance(n, ast.Assign) and n.col_offset == 0
                                          and isinstance(changed[0], ast.Name)):
                    offenders.append(f"{name}:{n.lineno} changes {who}")
    assert not offenders, f"module-level mutable state in web/ (build it in create_app): {offenders}"


def test_every_router_is_registered_in_one_list():
    """Routers live in web/routes/, are named ``api`` (for programs) or ``pages`` (for people),
    and are all in web/routes/__init__.py's ROUTERS, the one list create_app includes."""
    from paperboy.web import routes
    offenders = []
    for name, path in MODULES.items():
        if not name.startswith("paperboy."):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "include_router" \
                    and name != "paperboy.web.app":
                offenders.append(f"{name}:{node.lineno} includes a router")
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                    and getattr(node.value.func, "id", "") == "APIRouter":
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                if not name.startswith("paperboy.web.routes.") or names not in (["api"], ["pages"]):
                    offenders.append(f"{name}:{node.lineno} makes a router {names}")
                    continue
                module = __import__(name, fromlist=["_"])
                if not any(getattr(module, names[0]) is r for r in routes.ROUTERS):
                    offenders.append(f"{name}.{names[0]} is not in ROUTERS")
    assert not offenders, offenders


def test_a_refusal_is_translated_to_http_in_one_place():
    """A feature's refusal (paperboy.errors.Refused) is answered by web/errors.py alone; a route
    that rebuilds the answer from its status (``HTTPException(e.status, …)``) is a second
    translator that drifts (the Retry-After of one, the extra fields of another)."""
    offenders = []
    for name, path in MODULES.items():
        if name.startswith("paperboy.web") and name != "paperboy.web.errors":
            text = path.read_text()
            offenders += [f"{name}: {m.group(0)}" for m in re.finditer(r"HTTPException\(\w+\.status|\"error\": \w+\.message", text)]
    assert not offenders, offenders
