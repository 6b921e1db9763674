"""The deployment files in deploy/ stay true: the systemd units parse and say what the docs say
they do, every `paperboy` command line in them exists with its options, the example settings
file loads, the reverse proxies forward the headers paperboy believes to the port the settings
use, and the deployment and operations pages mention every file (docs/deployment.md)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import typer

from paperboy import config
from paperboy.cli import app
from paperboy.library import importer
from paperboy.web import bodies
from tests.helpers import ROOT

DEPLOY = ROOT / "deploy"
DOCS = ROOT / "docs"
FILES = {p.name: p.read_text() for p in sorted(DEPLOY.iterdir()) if p.is_file()}
UNITS = ("paperboy.service", "paperboy-backup.service", "paperboy-backup.timer")
SETTINGS_FILE = DEPLOY / "paperboy.toml"
CLI = typer.main.get_command(app)


# --- systemd units --------------------------------------------------------------------------

def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """{section: [(key, value), ...]} of a unit file, keys repeated as written (Environment=
    may appear several times). Any line that is not blank, a comment, a [Section] or a
    Key=value is an error, as a typo would be."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if m := re.fullmatch(r"\[([A-Za-z]+)\]", line):
            current = sections.setdefault(m.group(1), [])
            continue
        m = re.fullmatch(r"([A-Z][A-Za-z]+)=(.*)", line)
        assert m and current is not None, f"line {n} is not Key=value in a [Section]: {raw!r}"
        current.append((m.group(1), m.group(2).strip()))
    return sections


def values(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def one(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, f"[{section}] {key}= is set {len(found)} times, not once"
    return found[0]


def environment(unit: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    env = {}
    for value in values(unit, "Service", "Environment"):
        for assignment in shlex.split(value):
            name, _, v = assignment.partition("=")
            env[name] = v
    return env


def test_the_parser_refuses_what_systemd_would_not_take():
    with pytest.raises(AssertionError):
        parse_unit("[Service]\nExecStart /usr/bin/true\n")
    with pytest.raises(AssertionError):
        parse_unit("User=paperboy\n")


@pytest.fixture(scope="module")
def units() -> dict[str, dict[str, list[tuple[str, str]]]]:
    return {name: parse_unit(FILES[name]) for name in UNITS}


@pytest.fixture(scope="module")
def settings() -> config.Config:
    cfg, _ = config.load_with_sources({"PAPERBOY_CONFIG": str(SETTINGS_FILE)})
    return cfg


def test_the_service_runs_serve_as_paperboy_and_stops_it_gently(units):
    unit = units["paperboy.service"]
    assert one(unit, "Service", "User") == "paperboy"
    assert environment(unit)["PAPERBOY_CONFIG"] == "/etc/paperboy/paperboy.toml"
    exec_start = shlex.split(one(unit, "Service", "ExecStart"))
    assert exec_start[0] == "/opt/paperboy/.venv/bin/paperboy"
    assert exec_start[1:] == ["serve", "--workers", "2"]
    assert one(unit, "Service", "Restart") == "on-failure"
    assert one(unit, "Service", "KillSignal") == "SIGTERM"
    # SIGTERM to serve alone: it stops its embedded PostgreSQL itself, after its requests.
    assert one(unit, "Service", "KillMode") == "mixed"
    assert re.fullmatch(r"\d+s?", one(unit, "Service", "TimeoutStopSec"))
    assert "143" in one(unit, "Service", "SuccessExitStatus").split()  # serve's exit on SIGTERM
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("name", ["paperboy.service", "paperboy-backup.service"])
def test_the_services_are_hardened_and_may_write_the_data_directory_only(units, settings, name):
    unit = units[name]
    for key, want in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
                      "ProtectHome": "yes", "User": "paperboy"}.items():
        assert one(unit, "Service", key) == want, f"{name}: {key}"
    writable = one(unit, "Service", "ReadWritePaths").split()
    assert str(settings.home) in writable, f"{name} may not write PAPERBOY_HOME ({settings.home})"
    env = environment(unit)
    assert env["PAPERBOY_CONFIG"] == "/etc/paperboy/paperboy.toml"
    workdir = one(unit, "Service", "WorkingDirectory")
    assert workdir == str(settings.home) or workdir in writable, f"{name} cannot write where it runs"


def test_the_timer_starts_a_backup_every_night(units):
    service, timer = units["paperboy-backup.service"], units["paperboy-backup.timer"]
    assert one(service, "Service", "Type") == "oneshot"
    assert shlex.split(one(service, "Service", "ExecStart"))[1:] == ["backup"]
    # A timer starts the service of its own name unless Unit= says otherwise.
    assert values(timer, "Timer", "Unit") in ([], ["paperboy-backup.service"])
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d(:\d\d)?", one(timer, "Timer", "OnCalendar"))
    assert one(timer, "Timer", "Persistent") == "true"
    assert one(timer, "Install", "WantedBy") == "timers.target"
    # Old backups are pruned in the folder backups are written to, and only paperboy's.
    prune = shlex.split(one(service, "Service", "ExecStartPost"))
    assert prune[:2] == ["/usr/bin/find", one(service, "Service", "WorkingDirectory")]
    assert prune[prune.index("-name") + 1].startswith("paperboy-") and "-delete" in prune


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units(tmp_path):
    """systemd's own check: unknown keys and bad values are reported (it needs the programs
    to exist, so this clone's paperboy stands in for /opt/paperboy's)."""
    ours = ROOT / ".venv" / "bin" / "paperboy"
    for name in UNITS:
        (tmp_path / name).write_text(FILES[name].replace("/opt/paperboy/.venv/bin/paperboy", str(ours)))
    done = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in UNITS)],
                          capture_output=True, text=True, timeout=60)
    complaints = [ln for ln in (done.stdout + done.stderr).splitlines()
                  if str(tmp_path) in ln or "Unknown" in ln or "Failed" in ln]
    assert done.returncode == 0 and not complaints, done.stdout + done.stderr


# --- every paperboy command line -------------------------------------------------------------

def _words(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    return list(lexer)


def _after_executable(words: list[str]) -> list[list[str]]:
    """The arguments following each paperboy executable in these words, up to a shell
    operator (&&, ;, |, a redirection)."""
    found = []
    for i, word in enumerate(words):
        if word.endswith("/bin/paperboy") or (i == 0 and word == "paperboy"):
            args = []
            for w in words[i + 1:]:
                if re.fullmatch(r"[();<>|&]+", w):
                    break
                args.append(w)
            found.append(args)
    return found


def commands_in_deploy_file(name: str, text: str) -> list[list[str]]:
    """Every paperboy command line of a deploy/ file: the units' Exec lines, the crontab's
    jobs, and the ones comments show (`paperboy …` in backquotes, ExecStart=… examples)."""
    found: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            for quoted in re.findall(r"`([^`]+)`", stripped):
                found += _after_executable(_words(quoted))
            if m := re.search(r"\S*/bin/paperboy\b.*", stripped):  # ExecStart=… examples
                found += _after_executable(_words(m.group().partition("=")[2] or m.group()))
        elif name in UNITS and stripped.startswith("Exec"):
            found += _after_executable(_words(stripped.partition("=")[2]))
        elif name == "crontab" and stripped and not re.match(r"[A-Z_]+=", stripped):
            found += _after_executable(_words(stripped)[5:])
    return found


def commands_in_doc(text: str) -> list[list[str]]:
    """paperboy command lines in the sh code blocks of a docs page."""
    found = []
    for block in re.findall(r"```(?:sh|cron)\n(.*?)```", text, re.S):
        for line in block.splitlines():
            code = line.split(" #", 1)[0]
            if not code.strip() or code.lstrip().startswith("alias "):
                continue
            found += _after_executable(_words(code.strip()))
    return found


def problem(args: list[str]) -> str | None:
    """Why `paperboy ARGS` would not run (an unknown command or option, a bad value), or None."""
    cmd, path = CLI, ["paperboy"]
    rest = list(args)
    while hasattr(cmd, "commands"):
        if not rest or rest[0] not in cmd.commands:
            return f"`{' '.join(path)}` has no sub-command {rest[:1]}"
        path.append(rest[0])
        cmd = cmd.commands[rest.pop(0)]
    try:
        cmd.make_context(" ".join(path), rest)
    except Exception as e:  # typer's own copy of click: UsageError, NoSuchOption, BadParameter…
        return f"`{' '.join(['paperboy', *args])}`: {e}"
    return None


def test_the_checker_catches_what_does_not_exist():
    assert problem(["serve", "--workers", "2", "--no-fetch", "--no-embed"]) is None
    assert problem(["digest", "send"]) is None
    assert problem(["serve", "--no-such-option"])
    assert problem(["serve", "--workers", "100"])  # beyond its range
    assert problem(["fetch", "everything"])
    assert problem(["backups"])
    assert problem(["restore"])  # FILE is required


def test_every_paperboy_command_in_deploy_exists():
    seen: dict[tuple[str, ...], list[str]] = {}
    for name, text in FILES.items():
        for args in commands_in_deploy_file(name, text):
            seen.setdefault(tuple(args), []).append(name)
    bad = [f"{', '.join(sorted(set(where)))}: {why}" for args, where in seen.items()
           if (why := problem(list(args)))]
    assert not bad, "\n".join(bad)
    # The checker really read the files: what the docs promise is there.
    called = {" ".join(args[:2]) for args in seen}
    assert {"serve --workers", "backup", "fetch all", "embed", "digest send"} <= called, called
    assert ("serve", "--workers", "2", "--no-fetch", "--no-embed") in seen, "the cron setup's serve line is gone"


@pytest.mark.parametrize("page", ["deployment.md", "operations.md"])
def test_every_paperboy_command_in_the_deployment_docs_exists(page):
    found = commands_in_doc((DOCS / page).read_text())
    assert found, f"no paperboy commands found in docs/{page}'s code blocks"
    bad = [p for args in found if (p := problem(args))]
    assert not bad, "\n".join(bad)


# --- the crontab ------------------------------------------------------------------------------

def test_the_crontab_has_five_time_fields_and_the_units_settings(units):
    jobs, env = [], {}
    for line in FILES["crontab"].splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if m := re.fullmatch(r"([A-Z_]+)=(\S+)", line.strip()):
            env[m.group(1)] = m.group(2)
            continue
        fields = line.split(None, 5)
        assert len(fields) == 6 and all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5]), line
        jobs.append(fields[5])
    assert len(jobs) >= 4
    service = environment(units["paperboy.service"])
    for name in ("PAPERBOY_CONFIG",):
        assert env.get(name) == service[name], f"the crontab's {name} differs from the unit's"
    assert "%" not in "".join(jobs), "cron turns % into a newline"
    assert FILES["crontab"].endswith("\n"), "cron ignores a last line without a newline"


# --- the settings file --------------------------------------------------------------------------

def _uncommented(text: str) -> str:
    """The file with its commented-out settings (`# key = value`) switched on."""
    return re.sub(r"(?m)^# ?([a-z_]+ = .*)$", r"\1", text)


def test_the_example_settings_file_loads_and_sets_only_known_settings(tmp_path):
    cfg, read = config.load_with_sources({"PAPERBOY_CONFIG": str(SETTINGS_FILE)})
    assert read.path == SETTINGS_FILE and read.file, "nothing was read from deploy/paperboy.toml"
    assert set(read.file) <= set(config.SETTINGS) - {"PAPERBOY_CONFIG"}
    assert not set(read.file) & config.SECRETS, "the example should hold no secret (it is copied 600 later)"
    assert urlsplit(cfg.base_url).scheme == "https", "behind a proxy the base URL is https (Secure cookies)"
    assert cfg.host == "127.0.0.1", "paperboy listens on this machine only, behind the proxy"
    assert cfg.host in [ip.strip() for ip in cfg.forwarded_allow_ips.split(",")], \
        "the proxy on this machine connects from 127.0.0.1: its forwarded headers must be believed"
    # The settings commented out in the file load too, once switched on.
    switched_on = tmp_path / "paperboy.toml"
    switched_on.write_text(_uncommented(SETTINGS_FILE.read_text()))
    cfg_on, read_on = config.load_with_sources({"PAPERBOY_CONFIG": str(switched_on)})
    assert len(read_on.file) > len(read.file), "no commented-out settings were found"
    assert cfg_on.smtp is not None and cfg_on.database_url


def test_a_drifted_settings_file_is_caught(tmp_path):
    drifted = tmp_path / "paperboy.toml"
    drifted.write_text(SETTINGS_FILE.read_text() + '\nfetch_evry = "1h"\n')
    with pytest.raises(config.ConfigError, match="fetch_every"):
        config.load_with_sources({"PAPERBOY_CONFIG": str(drifted)})


def test_the_settings_pages_toml_example_loads(tmp_path):
    blocks = re.findall(r"```toml\n(.*?)```", (DOCS / "settings.md").read_text(), re.S)
    assert blocks, "docs/settings.md has no TOML example"
    for block in blocks:
        example = tmp_path / "example.toml"
        example.write_text(block)
        _, read = config.load_with_sources({"PAPERBOY_CONFIG": str(example)})
        assert read.file


# --- the reverse proxies -----------------------------------------------------------------------

def _size(text: str) -> int:
    """Bytes in nginx's 8m or Caddy's 8MB (Caddy: MB = 10^6, MiB = 2^20)."""
    m = re.fullmatch(r"(\d+)\s*([kmg]?)(i?)(b?)", text.strip().lower())
    assert m, text
    number, unit, binary, byte_suffix = m.groups()
    base = 1024 if (binary or not byte_suffix) else 1000  # nginx's k/m/g are binary
    return int(number) * base ** " kmg".index(unit or " ")


def test_nginx_forwards_the_headers_paperboy_believes_to_its_port(settings):
    conf = "\n".join(line.split("#", 1)[0] for line in FILES["nginx.conf"].splitlines())
    upstreams = dict(re.findall(r"upstream\s+(\w+)\s*\{[^}]*?server\s+(\S+?);", conf, re.S))
    passes = re.findall(r"proxy_pass\s+http://([^;/\s]+)", conf)
    assert passes, "nginx.conf passes nothing to paperboy"
    for target in passes:
        assert upstreams.get(target, target) == f"{settings.host}:{settings.port}", target
    headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+(.+?);", conf))
    assert headers.get("X-Forwarded-For") == "$proxy_add_x_forwarded_for"
    assert headers.get("X-Forwarded-Proto") == "$scheme"
    assert headers.get("Host") == "$host", "paperboy answers only its trusted Host names"
    assert "X-Request-ID" in headers
    names = set(re.findall(r"server_name\s+([^;]+);", conf))
    assert names == {urlsplit(settings.base_url).hostname}, "server_name is not the base URL's host"
    assert re.search(r"listen\s+443\s+ssl", conf) and "return 301 https://" in conf


def _largest_other_body() -> int:
    """The largest body paperboy takes on a route that is not a library upload."""
    others = [limit() for limit, _ in bodies.LARGER.values() if limit is not bodies.upload_limit]
    return max([bodies.SMALL, *others])


def _upload_paths() -> set[str]:
    return {path for path, (limit, _) in bodies.LARGER.items() if limit is bodies.upload_limit}


def _agrees(proxy: int, ours: int) -> bool:
    """A proxy's limit lets through what paperboy takes, and not much more (paperboy says
    what the limit is in between; nginx and Caddy only in their own words)."""
    return ours <= proxy <= ours * 1.05


def test_nginx_takes_the_bodies_paperboy_takes_and_gives_imports_time():
    conf = "\n".join(line.split("#", 1)[0] for line in FILES["nginx.conf"].splitlines())
    slow = re.search(r"location ~ \^/\(([^)]*)\)\$ \{(.*?)\}", conf, re.S)
    assert slow, "nginx.conf has no location for library uploads"
    outside = conf.replace(slow.group(0), "")
    body = re.findall(r"client_max_body_size\s+(\S+);", outside)
    assert len(body) == 1 and _agrees(_size(body[0]), _largest_other_body()), body
    upload = re.search(r"client_max_body_size\s+(\S+);", slow.group(2))
    assert upload and _agrees(_size(upload.group(1)), bodies.upload_limit()), upload
    assert {"/" + path for path in slow.group(1).split("|")} == _upload_paths()
    timeout = re.search(r"proxy_read_timeout\s+(\d+)s;", slow.group(2))
    assert timeout and int(timeout.group(1)) > 60


def test_caddy_takes_the_bodies_paperboy_takes():
    code = "\n".join(line.split("#", 1)[0] for line in FILES["Caddyfile"].splitlines())
    matchers = dict(re.findall(r"^\s*@(\w+)\s+(.+?)\s*$", code, re.M))
    limits = dict(re.findall(r"request_body\s+@(\w+)\s*\{\s*max_size\s+(\S+)\s*\}", code))
    assert set(limits) == set(matchers) and len(limits) == 2, (limits, matchers)
    uploads = next(name for name, m in matchers.items() if m.startswith("path "))
    others = next(name for name, m in matchers.items() if m.startswith("not path "))
    assert set(matchers[uploads].split()[1:]) == set(matchers[others].split()[2:]) == _upload_paths()
    assert _agrees(_size(limits[uploads]), bodies.upload_limit())
    assert _agrees(_size(limits[others]), _largest_other_body())
    assert "request_body {" not in code, "a request_body for every path would also cap the uploads"


def _seconds(text: str) -> float:
    m = re.fullmatch(r"(\d+)(s|m)", text)
    assert m, text
    return int(m.group(1)) * (60 if m.group(2) == "m" else 1)


def test_the_proxies_cut_off_half_sent_requests_as_paperboy_does():
    read_timeout = config.Config.read_timeout
    nginx = "\n".join(line.split("#", 1)[0] for line in FILES["nginx.conf"].splitlines())
    for name in ("client_header_timeout", "client_body_timeout"):  # between two reads
        found = re.search(rf"{name}\s+(\S+);", nginx)
        assert found and _seconds(found.group(1)) == read_timeout, name
    caddy = "\n".join(line.split("#", 1)[0] for line in FILES["Caddyfile"].splitlines())
    timeouts = re.search(r"^\{\s*servers\s*\{\s*timeouts\s*\{([^}]*)\}", caddy, re.M)
    assert timeouts, "the Caddyfile's global options set no timeouts"
    said = dict(re.findall(r"(\w+)\s+(\S+)", timeouts.group(1)))
    assert _seconds(said["read_header"]) == read_timeout
    # Caddy's read_body bounds the whole body: the most time paperboy gives an upload.
    upload_seconds = read_timeout + bodies.upload_limit() / bodies.MIN_RATE
    assert read_timeout <= _seconds(said["read_body"]) <= upload_seconds * 1.1


def test_caddy_proxies_to_the_settings_port_with_the_base_urls_name(settings):
    conf = FILES["Caddyfile"]
    code = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    targets = re.findall(r"reverse_proxy\s+(\S+)", code)
    assert targets == [f"{settings.host}:{settings.port}"], targets
    site = re.search(r"^(\S+)\s*\{", code, re.M)
    assert site and site.group(1) == urlsplit(settings.base_url).hostname
    # Caddy sets X-Forwarded-For and -Proto itself; the file must not take them away.
    assert not re.search(r"header_up\s+-X-Forwarded", code)
    assert re.search(r"header_up\s+X-Request-ID\s", code)


def test_the_upload_limit_the_proxy_files_quote_is_paperboys():
    said = f"at most {importer.MAX_BYTES / 1_000_000:g} MB"
    for name in ("nginx.conf", "Caddyfile"):
        assert said in FILES[name], f"{name} quotes another library upload limit than {said}"


# --- the docs -----------------------------------------------------------------------------------

def test_the_deployment_and_operations_pages_mention_every_deploy_file():
    deployment = (DOCS / "deployment.md").read_text()
    operations = (DOCS / "operations.md").read_text()
    assert len(FILES) >= 7
    for name in FILES:
        assert f"deploy/{name}" in deployment, f"docs/deployment.md does not mention deploy/{name}"
    for name in ("paperboy.toml", "paperboy-backup.service", "paperboy-backup.timer"):
        assert f"deploy/{name}" in operations, f"docs/operations.md does not mention deploy/{name}"


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("page", ["deployment.md", "operations.md", "settings.md"])
def test_links_between_the_pages_land_on_a_heading(page):
    for target, anchor in re.findall(r"\]\(([\w.-]*\.md)?#([\w-]+)\)", (DOCS / page).read_text()):
        text = (DOCS / (target or page)).read_text()
        anchors = {_anchor(h) for h in re.findall(r"(?m)^#+ (.+)$", text)}
        assert anchor in anchors, f"docs/{page} links {target or page}#{anchor}, which is no heading"
