"""run_cli's fork of a process that has imported paperboy (tests/forkcli.py) answers as
`python -m paperboy` started afresh does: the same output, exit codes, environment, cwd, and
a command that runs past its timeout is killed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests import forkcli
from tests.helpers import free_port, run_cli
from tests.ops import nodes

CASES = [
    (["--help"], {}),
    (["config"], {"PAPERBOY_HOME": "/nowhere/one", "PAPERBOY_PORT": "8123"}),
    (["config"], {"PAPERBOY_HOME": "/nowhere/two"}),  # nothing of the call before is left
    (["config"], {"PAPERBOY_PORT": "eighty"}),  # a user's mistake: exit 2 and one line
    (["frobnicate"], {}),  # Click's usage error
    (["import", "no-such-file.json"], {"DATABASE_URL": "postgresql://127.0.0.1:1/none"}),
]


@pytest.fixture(autouse=True)
def forking(monkeypatch):
    """These tests are about the fork: on even when a run turns it off (PAPERBOY_TEST_FORK=0)."""
    monkeypatch.setenv("PAPERBOY_TEST_FORK", "1")


def _both(args: list[str], env: dict[str, str], monkeypatch) -> tuple:
    forked = run_cli(args, env)
    monkeypatch.setenv("PAPERBOY_TEST_FORK", "0")
    fresh = run_cli(args, env)
    monkeypatch.setenv("PAPERBOY_TEST_FORK", "1")
    return forked, fresh


@pytest.mark.parametrize(("args", "env"), CASES)
def test_a_forked_command_answers_as_a_fresh_one(args, env, monkeypatch):
    forked, fresh = _both(args, env, monkeypatch)
    assert (forked.returncode, forked.stdout, forked.stderr) == (fresh.returncode, fresh.stdout, fresh.stderr)


def test_the_fork_is_used_and_sees_the_call_s_environment_and_cwd(tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERBOY_LEFT_IN_THE_WORKER", "1")
    monkeypatch.setenv("PAPERBOY_HOME", "relative-home")
    monkeypatch.chdir(tmp_path)
    forked, fresh = _both(["config"], {}, monkeypatch)
    assert forked.stdout == fresh.stdout and "relative-home" in forked.stdout
    wide = {**os.environ, "COLUMNS": "200"}  # as run_cli calls it
    zygote = forkcli._zygotes[tuple(wide.get(k) for k in forkcli.AT_START)]  # made by that call
    assert forkcli._for({**wide, "PAPERBOY_HOME": "elsewhere"}) is zygote
    # what Rich read when the zygote started cannot be the call's: another zygote serves it
    narrow = forkcli.run(["paperboy"], ["--help"], {**os.environ, "COLUMNS": "61"}, 30)
    assert forkcli._for({**os.environ, "COLUMNS": "61"}) is not zygote
    width = [max(len(line) for line in r.stdout.splitlines()) for r in (narrow, run_cli(["--help"], {}))]
    assert width[0] <= 61 < width[1]


def test_a_command_past_its_timeout_is_killed(db_url):
    zygote = forkcli._for({**os.environ, "COLUMNS": "200"})  # run_cli's
    before = {p.pid for p in psutil.Process(zygote.proc.pid).children()}
    start = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run_cli(["serve", "--port", str(free_port())], {"DATABASE_URL": db_url}, timeout=2)
    assert time.monotonic() - start < 30
    left = {p.pid for p in psutil.Process(zygote.proc.pid).children()} - before
    assert not left, "the command that timed out is still running"


def _serve_and_stop(db_url: str, tmp_path, fork: bool, monkeypatch) -> tuple[int, str, bool]:
    """Start serve, wait for it to answer, stop it as the fixtures do: (status, output, forked)."""
    port = free_port()
    monkeypatch.setenv("PAPERBOY_TEST_FORK", "1" if fork else "0")
    env = {**os.environ, "DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path)}
    cmd = [sys.executable, "-m", "paperboy", "serve", "--port", str(port), "--no-embed", "--no-fetch"]
    proc = forkcli.popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    forked = isinstance(proc, forkcli.Popen)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    assert proc.poll() is None, proc.stdout.read()
    proc.terminate()
    code = proc.wait(timeout=30)
    return code, proc.stdout.read(), forked


def test_a_forked_server_starts_answers_and_stops_as_a_fresh_one(db_url, tmp_path, monkeypatch):
    forked = _serve_and_stop(db_url, tmp_path / "a", True, monkeypatch)
    fresh = _serve_and_stop(db_url, tmp_path / "b", False, monkeypatch)
    assert forked[2] and not fresh[2]
    assert forked[0] == fresh[0]
    assert all("paperboy is serving on" in r[1] for r in (forked, fresh)), (forked, fresh)


def test_a_forked_server_killed_says_so(db_url, tmp_path):
    proc = forkcli.popen([sys.executable, "-m", "paperboy", "serve", "--port", str(free_port()), "--no-embed",
                          "--no-fetch"], env={**os.environ, "DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path)},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert isinstance(proc, forkcli.Popen) and proc.poll() is None
    assert psutil.Process(proc.pid).ppid() == forkcli._for(dict(os.environ)).proc.pid
    proc.kill()
    assert proc.wait(timeout=30) == -9 and proc.poll() == -9


def test_a_zygote_outlives_no_killed_worker(tmp_path):
    """A worker killed with -9 runs no atexit: its zygote notices the pipe close and leaves,
    taking its socket's folder with it."""
    script = ("import os, signal, sys\n"
              "from tests import forkcli\n"
              "z = forkcli._for(dict(os.environ))\n"
              "assert forkcli.run(['paperboy'], ['--help'], dict(os.environ), 60).returncode == 0\n"
              "print(z.proc.pid, z.folder, flush=True)\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    worker = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[1])
    assert worker.returncode == -9, worker.stderr
    pid, folder = worker.stdout.split()
    zygote = int(pid)
    deadline = time.monotonic() + 30
    while psutil.pid_exists(zygote) and psutil.Process(zygote).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the zygote of a killed worker is still running"
        time.sleep(0.1)
    assert not Path(folder).exists(), "the zygote left its socket's folder behind"


def test_commands_at_once_answer_as_fresh_ones(tmp_path, monkeypatch):
    """run_all's way: several commands started together, both pipes read to their end."""
    commands = [["--help"], ["config"], ["frobnicate"], ["status"]]
    env = {"DATABASE_URL": "postgresql://paperboy@127.0.0.1:1/none", "PAPERBOY_HOME": str(tmp_path)}
    forked = nodes.run_all(commands, env["DATABASE_URL"], tmp_path)
    monkeypatch.setenv("PAPERBOY_TEST_FORK", "0")
    fresh = nodes.run_all(commands, env["DATABASE_URL"], tmp_path)
    assert [r[1] for r in forked] == [r[1] for r in fresh] == [0, 0, 2, 2]
    for (command, _, out, err), (_, _, out2, err2) in zip(forked, fresh, strict=True):
        if command != ["config"]:  # (it prints the free ports run_all picks, new each time)
            assert (out, err) == (out2, err2), command
    assert "cannot connect" in forked[3][3]
