"""The wheel ships every file paperboy needs, and an installed wheel works (the editable
install of `make` hides a missing data file: it reads them from src/)."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.helpers import ROOT, free_port

PACKAGE = ROOT / "src" / "paperboy"


def _data_files() -> set[str]:
    """Every non-Python file of the package as it would be in a clean clone (tracked files and
    new ones git does not ignore), relative to src/."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "src/paperboy"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return {p.removeprefix("src/") for p in listed
            if not p.endswith(".py") and "__pycache__" not in p and (ROOT / p).is_file()}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built (pip wheel --no-deps) from a copy of the files a clean clone holds."""
    tmp = tmp_path_factory.mktemp("wheel")
    tree = tmp / "tree"
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (tree / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, tree / rel)
    out = tmp / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "--quiet", "-w", str(out), str(tree)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    (built,) = out.glob("paperboy-*.whl")
    return built


def test_the_wheel_holds_every_file_of_the_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = _data_files()
    assert "paperboy/digest/templates/confirm.html" in wanted  # the file that went missing
    missing = sorted(wanted - names)
    assert not missing, f"not in the wheel (add them to package-data in pyproject.toml): {missing}"


class _Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


SUBSCRIBE = textwrap.dedent("""
    import paperboy
    from fastapi.testclient import TestClient
    from paperboy import config
    from paperboy.db import open_database
    from paperboy.web.app import create_app

    print(paperboy.__file__)
    cfg = config.load()
    with open_database(cfg) as db:
        app = create_app(db, cache_seconds=0, rate_limit=0)
        client = TestClient(app, base_url="http://127.0.0.1:8000")
        r = client.post("/subscribe", data={"email": "reader@example.org"},
                        headers={"Sec-Fetch-Site": "same-origin"})
        assert r.status_code == 200, r.text
        assert app.state.mailer.wait_idle(60)  # the mailer sends it off the request
""")


def test_an_installed_wheel_sends_a_confirmation_email(wheel, tmp_path, db_url):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                        "--no-deps", str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    # Dependencies come from the test environment's site-packages (a plain path: its .pth
    # files, among them the editable install of src/, are not processed).
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    sink = _Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": db_url, "PAPERBOY_HOME": str(tmp_path / "home"),
               "PAPERBOY_SMTP_HOST": "127.0.0.1", "PAPERBOY_SMTP_PORT": str(port),
               "PAPERBOY_SMTP_SECURITY": "none", "PAPERBOY_BASE_URL": "http://127.0.0.1:8000",
               "PAPERBOY_FETCH_EVERY": "off", "HF_HUB_OFFLINE": "1"}
        run = subprocess.run([str(python), "-c", SUBSCRIBE], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=300)
    finally:
        controller.stop()
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.startswith(site), f"paperboy was not imported from the wheel: {run.stdout}"
    (msg,) = sink.messages
    assert msg["To"] == "reader@example.org"
    assert "http://127.0.0.1:8000/confirm/" in msg.get_body(("plain",)).get_content()
