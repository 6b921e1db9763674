"""The real ``paperboy`` command in a process of its own, without paying its start each time.

A test run starts `python -m paperboy` some 300 times; each spent about 0.3 s of CPU importing
Typer, Rich, structlog and psycopg before doing anything (`serve` 1.1 s more for the web app),
on a machine whose two cores the suite keeps busy from start to end. So each test worker keeps
one *zygote*: a Python process that has imported ``paperboy.cli`` and the web app and nothing
else (no thread, no connection, no logging set up), and forks once per command. The child is a process as `python -m paperboy` makes one:

- its environment is the call's, whole (nothing of the worker's or the zygote's is left);
- its stdout and stderr are files of the caller's, its stdin /dev/null, its cwd the caller's;
- it runs ``paperboy/__main__.py`` with ``runpy`` as ``-m`` does (so --help names the program
  ``python -m paperboy``), then what interpreter exit does: non-daemon threads joined, atexit
  handlers run (an embedded server the command started is stopped), streams flushed;
- its exit status is read by the zygote with ``waitpid``: a code, or minus the signal.

What Rich and Python read when their consoles and streams are made (COLUMNS, colours,
encodings: AT_START) is the zygote's own, so a worker keeps one zygote for each set of those
values its calls carry (one or two). ``PAPERBOY_TEST_FORK=0`` turns forking off. tests/test_cli_fork.py holds the two ways to the same output.

Run as ``python -m tests.forkcli SOCKET``: the zygote itself.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Read once, when the zygote starts (Rich's consoles and Python's streams are made then).
AT_START = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM", "TTY_COMPATIBLE",
            "TTY_INTERACTIVE", "PYTHONIOENCODING", "PYTHONUTF8", "LANG", "LC_ALL", "LC_CTYPE",
            "PYTHONPATH", "PYTHONHOME", "PYTHONSAFEPATH")


# ---- the zygote --------------------------------------------------------------------------

def _child(request: dict, fds: list[int]) -> None:
    """In the forked child: become the command, then exit as the interpreter would."""
    import random
    import runpy
    import traceback

    random.seed()  # the zygote's state is every child's: draw afresh
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # as subprocess's close_fds: 0, 1 and 2 only
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["paperboy", *request["args"]]
    code: int = 0
    try:
        runpy.run_module("paperboy", run_name="__main__", alter_sys=True)
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException:  # what the interpreter prints for an uncaught error
        traceback.print_exc()
        code = 1
    try:
        threading._shutdown()  # type: ignore[attr-defined]  # non-daemon threads, as at exit
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code & 0xFF)


def serve(path: str) -> None:
    # What every command imports (the reason this exists), and what `serve` adds: 1.1 s of
    # CPU for the web app's modules, paid once a worker instead of once a server.
    import uvicorn  # noqa: F401

    import paperboy.cli  # noqa: F401
    import paperboy.fetch  # noqa: F401
    import paperboy.web.app  # noqa: F401
    import paperboy.web.server  # noqa: F401

    assert threading.active_count() == 1, "the zygote must hold no thread when it forks"
    gc.freeze()  # what is imported now is never collected: a child's collections skip it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, "accept")
    sel.register(0, selectors.EVENT_READ, "parent")  # a pipe from the worker: EOF when it is gone
    while True:
        for key, _ in sel.select():
            if key.data == "parent":
                if not os.read(0, 512):  # the worker died without stopping us (kill -9)
                    shutil.rmtree(os.path.dirname(path), ignore_errors=True)
                    os._exit(0)
            elif key.data == "accept":
                conn, _ = listener.accept()
                msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 2)
                if not msg or len(fds) != 2:  # a caller that went away: nothing to run
                    for fd in fds:
                        os.close(fd)
                    conn.close()
                    continue
                pid = os.fork()
                if pid == 0:
                    listener.close()
                    conn.close()
                    _child(json.loads(msg), fds)
                for fd in fds:
                    os.close(fd)
                conn.sendall(f"{pid}\n".encode())
                sel.register(os.pidfd_open(pid), selectors.EVENT_READ, (pid, conn))
            else:
                pid, conn = key.data
                sel.unregister(key.fileobj)
                os.close(key.fd)
                _, status = os.waitpid(pid, 0)
                try:
                    conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
                except OSError:
                    pass  # the caller gave up waiting
                conn.close()


# ---- the caller's side ---------------------------------------------------------------------

class _Zygote:
    def __init__(self, env: dict[str, str]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="paperboy-zygote-"))
        self.path = str(self.folder / "socket")
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.forkcli", self.path], env=env,
                                     cwd=Path(__file__).resolve().parents[1],
                                     stdin=subprocess.PIPE)  # see serve()
        atexit.register(self.stop)

    def connect(self, timeout: float) -> socket.socket:
        for _ in range(int(timeout * 20)):
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.path)
                return s
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if self.proc.poll() is not None:
                    break
                threading.Event().wait(0.05)
        raise RuntimeError(f"the paperboy zygote did not start (exit {self.proc.poll()})")

    def stop(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_zygotes: dict[tuple, _Zygote] = {}  # by what each read at its start (a worker has one or two)
_lock = threading.Lock()


def _for(env: dict[str, str]) -> _Zygote:
    """This worker's zygote for ``env`` (started on first use, again if it died): one per set
    of the values read at start (AT_START) that the worker's calls carry."""
    key = tuple(env.get(k) for k in AT_START)
    with _lock:
        zygote = _zygotes.get(key)
        if zygote is None or zygote.proc.poll() is not None:
            zygote = _zygotes[key] = _Zygote(env)
        return zygote


def _decode(data: bytes) -> str:
    """What subprocess.run(text=True) gives."""
    import locale

    return data.decode(locale.getpreferredencoding(False)).replace("\r\n", "\n").replace("\r", "\n")


def run(cmd: list[str], args: list[str], env: dict[str, str], timeout: float,
        cwd: str | None = None) -> subprocess.CompletedProcess | None:
    """``cmd + args`` run by a fork of the zygote, as subprocess.run(capture_output=True,
    text=True) would; None when forking is off (PAPERBOY_TEST_FORK=0)."""
    if os.environ.get("PAPERBOY_TEST_FORK", "1") == "0":
        return None
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = Popen(_for(env), [*cmd, *args], env, out, err, False, cwd, skip=len(cmd))
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            out.seek(0)
            err.seek(0)
            raise subprocess.TimeoutExpired(proc.args, timeout, out.read(), err.read()) from None
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(proc.args, proc.returncode, _decode(out.read()), _decode(err.read()))


class _Lines:
    """The zygote's answers, a line each (the child's pid, then its exit status)."""

    def __init__(self, s: socket.socket) -> None:
        self.s, self.buf = s, b""

    def next(self, timeout: float) -> bytes:
        self.s.settimeout(timeout)
        while b"\n" not in self.buf:
            chunk = self.s.recv(64)
            if not chunk:
                raise RuntimeError("the paperboy zygote went away during a command")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line


class Popen:
    """The part of subprocess.Popen that tests use on `paperboy serve`, for a forked child:
    ``pid``, ``returncode``, ``stdout``, poll, wait, send_signal, terminate, kill. Its status
    comes from the zygote, which is its parent. ``popen(...)`` picks this or a real one."""

    def __init__(self, zygote: _Zygote, cmd: list[str], env: dict[str, str], stdout, stderr,
                 text: bool, cwd: str | None, skip: int = 3) -> None:
        """``cmd[skip:]`` are paperboy's arguments (after ``python -m paperboy``)."""
        self.args = cmd
        self.returncode: int | None = None
        self.stdout = None
        self.stderr = None
        out_fd, err_fd, close = _target(stdout, 1), None, []
        if stdout is subprocess.PIPE:
            r, out_fd = os.pipe()
            close.append(out_fd)
            self.stdout = open(r, "r" if text else "rb", closefd=True)  # noqa: SIM115
        if stderr is subprocess.STDOUT:
            err_fd = out_fd
        elif stderr is subprocess.PIPE:
            r, err_fd = os.pipe()
            close.append(err_fd)
            self.stderr = open(r, "r" if text else "rb", closefd=True)  # noqa: SIM115
        else:
            err_fd = _target(stderr, 2)
        if stdout is subprocess.DEVNULL or stderr is subprocess.DEVNULL:
            close.append(null := os.open(os.devnull, os.O_WRONLY))
            out_fd = null if stdout is subprocess.DEVNULL else out_fd
            err_fd = null if stderr is subprocess.DEVNULL else err_fd
        self._s = zygote.connect(timeout=60)
        request = json.dumps({"args": cmd[skip:], "env": env, "cwd": cwd or os.getcwd()}).encode()
        socket.send_fds(self._s, [request], [out_fd, err_fd])
        for fd in close:
            os.close(fd)
        self._lines = _Lines(self._s)
        self.pid = int(self._lines.next(60))

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self.wait(timeout=0.001)
            except subprocess.TimeoutExpired:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            try:
                self.returncode = int(self._lines.next(timeout))
            except TimeoutError:
                raise subprocess.TimeoutExpired(self.args, timeout) from None
            self._s.close()
        return self.returncode

    def communicate(self, timeout: float | None = None) -> tuple:
        """Read stdout and stderr (those that are pipes) to their end, then wait: as
        subprocess's, both read at once so that neither pipe fills and stalls the child."""
        deadline = None if timeout is None else time.monotonic() + timeout
        pipes = {f.fileno(): f for f in (self.stdout, self.stderr) if f is not None and not f.closed}
        got: dict[int, list[bytes]] = {fd: [] for fd in pipes}
        with selectors.DefaultSelector() as sel:
            for fd in pipes:
                sel.register(fd, selectors.EVENT_READ)
            while sel.get_map():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired(self.args, timeout)
                for key, _ in sel.select(left):
                    chunk = os.read(key.fd, 1 << 16)
                    if chunk:
                        got[key.fd].append(chunk)
                    else:
                        sel.unregister(key.fd)
        self.wait(None if deadline is None else max(deadline - time.monotonic(), 0.001))
        out = []
        for f in (self.stdout, self.stderr):
            if f is None:
                out.append(None)
                continue
            data = b"".join(got.get(f.fileno(), []))
            out.append(_decode(data) if "b" not in f.mode else data)
            f.close()
        return tuple(out)

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(15)

    def kill(self) -> None:
        self.send_signal(9)

    def __enter__(self) -> Popen:
        return self

    def __exit__(self, *exc: object) -> None:
        for f in (self.stdout, self.stderr):
            if f is not None:
                f.close()
        self.wait()


def _target(where, fd: int) -> int:
    """The descriptor a child's stdout or stderr goes to: a file's, or the caller's own."""
    if where is None:
        return fd
    if isinstance(where, int) and where >= 0:
        return where
    if hasattr(where, "fileno"):
        return where.fileno()
    return fd  # PIPE, STDOUT, DEVNULL: the caller sets these up


def popen(cmd: list[str], *, env: dict[str, str] | None = None, stdout=None, stderr=None,
          text: bool = False, cwd: str | None = None) -> subprocess.Popen | Popen:
    """subprocess.Popen(cmd, ...): for ``python -m paperboy ...`` a fork of the zygote (unless
    PAPERBOY_TEST_FORK=0), else a real process."""
    env = dict(os.environ if env is None else env)
    if cmd[:3] == [sys.executable, "-m", "paperboy"] and os.environ.get("PAPERBOY_TEST_FORK", "1") != "0":
        return Popen(_for(env), cmd, env, stdout, stderr, text, cwd)
    return subprocess.Popen(cmd, env=env, stdout=stdout, stderr=stderr, text=text, cwd=cwd)


if __name__ == "__main__":
    serve(sys.argv[1])
