"""The embedded server's memory is sized from the machine (db/tuning.py), or set with the
PAPERBOY_DB_* settings; a fresh server starts with it, a running one takes what it can
without a restart, and `paperboy status` says what the server uses and where it came from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paperboy import config
from paperboy.cli.status import memory_line
from paperboy.config import DB_MEMORY, parse_size
from paperboy.db import tuning
from paperboy.db.tuning import GB, MB, Machine
from paperboy.status import server_memory
from tests.helpers import run_cli

NAMES = [*DB_MEMORY, "max_parallel_maintenance_workers", "random_page_cost", "jit"]

# Starts (or joins) the embedded server of the home in argv[1] the way every paperboy
# command does, prints what SHOW says of each setting; with a second argument it keeps its
# hold on the server until its stdin closes.
SHOW = f"""
import json, sys
from pathlib import Path
import psycopg
from paperboy.db import embedded
url = embedded.start(Path(sys.argv[1]))
with psycopg.connect(url) as c:
    print(json.dumps({{n: c.execute("SHOW " + n).fetchone()[0] for n in {NAMES!r}}}), flush=True)
if len(sys.argv) > 2:
    sys.stdin.read()
"""


@pytest.fixture(autouse=True)
def _no_db_settings(monkeypatch: pytest.MonkeyPatch):
    """The suite may give its own servers small fixed sizes: these tests choose their own."""
    for setting in DB_MEMORY.values():
        monkeypatch.delenv(setting, raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)


def _env(**settings: str) -> dict[str, str]:
    return {**os.environ, **settings}


def _show(home: Path, **settings: str) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-c", SHOW, str(home)], env=_env(**settings),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _same(shown: dict[str, str], planned: list[tuning.Setting]) -> None:
    for s in planned:
        if s.name in DB_MEMORY:
            assert parse_size(shown[s.name]) == parse_size(s.value), (s.name, shown[s.name], s.value)
        else:
            assert shown[s.name] == s.value, (s.name, shown[s.name], s.value)


def _memory_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("database memory"))


def _values(settings: list[tuning.Setting]) -> dict[str, str]:
    return {s.name: s.value for s in settings}


def test_a_container_limit_of_512mb_wins_over_the_machines_memory(tmp_path: Path):
    (tmp_path / "memory.max").write_text(f"{512 * MB}\n")
    (tmp_path / "cpu.max").write_text("max 100000\n")
    proc = tmp_path / "cgroup"
    proc.write_text("0::/\n")
    m = tuning.machine(cgroup_root=tmp_path, proc_cgroup=proc, shm=tmp_path / "no-shm")
    assert m.memory == 512 * MB and m.limited and m.shm is None
    got = _values(tuning.plan(m))
    # PostgreSQL's defaults are the floor: a small container gets no less than a plain install
    assert got["shared_buffers"] == "128MB" and got["effective_cache_size"] == "384MB"
    assert got["maintenance_work_mem"] == "85MB" and got["work_mem"] == "4MB"
    assert "container limit" in tuning.plan(m)[0].why


def test_a_systemd_units_memory_max_and_cpu_quota_count(tmp_path: Path):
    unit = tmp_path / "system.slice" / "paperboy.service"
    unit.mkdir(parents=True)
    (tmp_path / "memory.max").write_text("max\n")
    (unit / "memory.max").write_text(f"{2 * GB}\n")
    (unit / "cpu.max").write_text("150000 100000\n")
    proc = tmp_path / "cgroup"
    proc.write_text("0::/system.slice/paperboy.service\n")
    m = tuning.machine(cgroup_root=tmp_path, proc_cgroup=proc)
    assert m.memory == 2 * GB and m.cores == min(2, len(os.sched_getaffinity(0)))


def test_4gb_in_docker_builds_serially_when_dev_shm_cannot_hold_the_graph():
    got = _values(tuning.plan(Machine(memory=4 * GB, cores=4, shm=64 * MB)))
    assert got == {"shared_buffers": "1GB", "effective_cache_size": "3GB",
                   "maintenance_work_mem": "682MB", "work_mem": "16MB",
                   "max_parallel_maintenance_workers": "0", "random_page_cost": "1.1", "jit": "off"}
    assert _values(tuning.plan(Machine(memory=4 * GB, cores=4, shm=2 * GB)))[
        "max_parallel_maintenance_workers"] == "3"


def test_64gb_is_capped_where_more_stops_helping():
    got = _values(tuning.plan(Machine(memory=64 * GB, cores=16, shm=32 * GB)))
    assert got["shared_buffers"] == "8GB" and got["effective_cache_size"] == "48GB"
    assert got["maintenance_work_mem"] == "4GB" and got["work_mem"] == "32MB"
    assert got["max_parallel_maintenance_workers"] == "7"


def test_a_size_given_replaces_the_sized_one_and_says_so():
    planned = {s.name: s for s in tuning.plan(Machine(memory=64 * GB, cores=2), {"work_mem": 3 * MB // 2})}
    assert planned["work_mem"].value == "1536kB"
    assert planned["work_mem"].origin == "PAPERBOY_DB_WORK_MEM"
    assert planned["shared_buffers"].origin == "auto" and planned["shared_buffers"].why == "25% of 64GB"


@pytest.mark.parametrize("value, says", [
    ("lots", "PAPERBOY_DB_SHARED_BUFFERS: 'lots' is not a size like 512MB or 2GB (or auto)"),
    ("2G", "is not a size"),
    ("-1GB", "is not a size"),
    ("64kB", "PAPERBOY_DB_SHARED_BUFFERS='64kB' is below the 128kB PostgreSQL needs"),
])
def test_a_bad_size_is_a_config_error_naming_the_setting(value: str, says: str):
    with pytest.raises(config.ConfigError) as e:
        config.load_with_sources({"PAPERBOY_DB_SHARED_BUFFERS": value})
    assert says in str(e.value)


def test_sizes_come_from_the_settings_file_too(tmp_path: Path):
    path = tmp_path / "paperboy.toml"
    path.write_text('db_work_mem = "48MB"\ndb_shared_buffers = "auto"\n')
    cfg, values = config.load_with_sources({"PAPERBOY_CONFIG": str(path)})
    assert cfg.db_memory == {"work_mem": 48 * MB}
    assert {r.name: r.origin for r in values.report()}["PAPERBOY_DB_WORK_MEM"] == str(path)


@pytest.mark.parametrize("setting, value, says", [
    ("PAPERBOY_DB_SHARED_BUFFERS", "lots", "is not a size like 512MB"),
    ("PAPERBOY_DB_WORK_MEM", "1kB", "is below the 64kB PostgreSQL needs"),
    ("PAPERBOY_DB_SHARED_BUFFERS", "1500GB", "is more than this machine's memory"),
])
def test_a_bad_value_stops_the_command_with_one_line(tmp_path: Path, setting: str, value: str, says: str):
    r = run_cli(["status"], {"PAPERBOY_HOME": str(tmp_path / "home"), setting: value}, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and setting in lines[0], r.stderr
    assert says in lines[0]
    assert not (tmp_path / "home" / "pgdata" / "PG_VERSION").exists()  # nothing was started


def test_a_fresh_server_gets_the_sizes_of_this_machine_and_status_says_so(tmp_path: Path):
    home = tmp_path / "home"
    planned = tuning.plan(tuning.machine())
    _same(_show(home), planned)
    pgdata = home / "pgdata"
    assert "include_if_exists = 'paperboy.conf'" in (pgdata / "postgresql.conf").read_text()
    assert "shared_buffers = '" in (pgdata / "paperboy.conf").read_text()
    assert not (pgdata / "postmaster.pid").exists()  # stopped by its last user, as before

    r = run_cli(["status"], {"PAPERBOY_HOME": str(home)}, timeout=120)
    assert r.returncode == 0, r.stderr
    line = _memory_line(r.stdout)
    shared = next(s for s in planned if s.name == "shared_buffers")
    assert f"shared_buffers {tuning.human(parse_size(shared.value))} (auto, {shared.why})" in line
    for name in DB_MEMORY:
        assert f"{name} " in line
    assert "next start" not in line


def test_a_size_applies_on_a_fresh_start_and_a_joiner_reloads_what_it_can(tmp_path: Path):
    home = tmp_path / "home"
    holder = subprocess.Popen(
        [sys.executable, "-c", SHOW, str(home), "hold"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env=_env(PAPERBOY_DB_SHARED_BUFFERS="256MB", PAPERBOY_DB_WORK_MEM="8MB"))
    try:
        shown = json.loads(holder.stdout.readline())
        assert shown["shared_buffers"] == "256MB" and shown["work_mem"] == "8MB"

        # another process with other sizes joins the running server: work_mem is reloaded,
        # shared_buffers waits for the next start (nothing restarts a server in use)
        r = run_cli(["status"], {"PAPERBOY_HOME": str(home), "PAPERBOY_DB_SHARED_BUFFERS": "384MB",
                                 "PAPERBOY_DB_WORK_MEM": "16MB"}, timeout=120)
        assert r.returncode == 0, r.stderr
        line = _memory_line(r.stdout)
        assert "shared_buffers 256MB (PAPERBOY_DB_SHARED_BUFFERS; 384MB at the server's next start)" in line
        assert "work_mem 16MB (PAPERBOY_DB_WORK_MEM)" in line
        assert "effective_cache_size" in line and "(auto, 75% of" in line
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0
    assert not (home / "pgdata" / "postmaster.pid").exists()
    shown = _show(home, PAPERBOY_DB_SHARED_BUFFERS="384MB", PAPERBOY_DB_WORK_MEM="16MB")
    assert shown["shared_buffers"] == "384MB" and shown["work_mem"] == "16MB"


def test_an_external_servers_settings_are_its_own(conn):
    cfg, _ = config.load_with_sources({"DATABASE_URL": "postgresql://elsewhere/paperboy"})
    settings = server_memory(conn, cfg)
    assert [x["name"] for x in settings] == list(DB_MEMORY)
    assert all(x["origin"] == "server" and not x["pending"] for x in settings)
    line = memory_line(settings, external=True)
    assert line.startswith("database memory (the server's own settings): shared_buffers ")
    assert "auto" not in line
