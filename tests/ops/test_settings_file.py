"""Settings from a TOML file (PAPERBOY_CONFIG) under the environment, and `paperboy config`
saying where each effective value came from, with secrets masked."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from paperboy import config
from tests.helpers import run_cli

TOML = """
port = 9123
PAPERBOY_HOST = "0.0.0.0"
arxiv_categories = ["cs.CL", "cs.CV"]
fetch_every = "30m"
smtp_host = "mail.example.org"
smtp_password = "hunter2-secret"
database_url = "postgresql://app:pa55word@db.example.org:5432/paperboy"
log_level = "debug"
"""


def _file(tmp_path: Path, text: str = TOML) -> Path:
    path = tmp_path / "paperboy.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_the_file_sets_what_the_environment_does_not(tmp_path: Path):
    path = _file(tmp_path)
    cfg, values = config.load_with_sources({"PAPERBOY_CONFIG": str(path), "PAPERBOY_PORT": "8001"})
    assert cfg.port == 8001  # the environment wins
    assert cfg.host == "0.0.0.0" and cfg.fetch.every == 1800
    assert cfg.fetch.categories == ("cs.CL", "cs.CV")
    assert cfg.smtp is not None and cfg.smtp.host == "mail.example.org" and cfg.smtp.password == "hunter2-secret"
    assert cfg.database_url == "postgresql://app:pa55word@db.example.org:5432/paperboy"
    assert cfg.log_level == "debug"
    origin = {r.name: r.origin for r in values.report()}
    assert origin["PAPERBOY_PORT"] == "environment"
    assert origin["PAPERBOY_HOST"] == str(path)
    assert origin["PAPERBOY_CACHE_MB"] == "default"


@pytest.mark.parametrize("text, says", [
    ("prot = 8000\n", "unknown setting 'prot' (did you mean 'port'?)"),
    ("port = \n", "is not valid TOML"),
    ("port = {a = 1}\n", "port must be a string, a number"),
    ("port = \"eighty\"\n", "PAPERBOY_PORT='eighty' (in "),
    ("log_level = \"loud\"\n", "PAPERBOY_LOG_LEVEL='loud': use debug, info, warning, error"),
])
def test_a_bad_file_is_one_clear_error(tmp_path: Path, text: str, says: str):
    path = _file(tmp_path, text)
    with pytest.raises(config.ConfigError, match=None) as e:
        config.load_with_sources({"PAPERBOY_CONFIG": str(path)})
    assert says in str(e.value)
    # (an empty variable counts as unset: the file's value is read, as tests/conftest sets one)
    r = run_cli(["config"], {"PAPERBOY_LOG_LEVEL": "", "PAPERBOY_CONFIG": str(path)})
    assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr


def test_a_missing_file_is_named(tmp_path: Path):
    with pytest.raises(config.ConfigError, match="no such file"):
        config.load_with_sources({"PAPERBOY_CONFIG": str(tmp_path / "nope.toml")})


def test_paperboy_config_prints_values_and_origins_with_secrets_masked(tmp_path: Path):
    path = _file(tmp_path)
    env = {**os.environ, "PAPERBOY_CONFIG": str(path), "PAPERBOY_SECRET_KEY": "k-very-secret",
           "PAPERBOY_RATE_LIMIT": "7"}
    r = run_cli(["config", "--json"], env)
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert set(rows) == set(config.SETTINGS)
    assert rows["PAPERBOY_RATE_LIMIT"] == {"name": "PAPERBOY_RATE_LIMIT", "value": "7", "source": "environment"}
    assert rows["PAPERBOY_PORT"]["value"] == "9123" and rows["PAPERBOY_PORT"]["source"] == str(path)
    assert rows["PAPERBOY_CACHE_MB"]["source"] == "default"
    assert rows["DATABASE_URL"]["value"] == "postgresql://app:********@db.example.org:5432/paperboy"
    assert rows["PAPERBOY_SMTP_PASSWORD"]["value"] == "********"
    assert rows["PAPERBOY_SECRET_KEY"]["value"] == "********"
    text = run_cli(["config"], env)
    assert text.returncode == 0
    for secret in ("hunter2-secret", "pa55word", "k-very-secret"):
        assert secret not in r.stdout + r.stderr + text.stdout + text.stderr
    assert "PAPERBOY_PORT" in text.stdout and str(path) in text.stdout


def test_a_readable_file_holding_a_secret_is_pointed_out(tmp_path: Path):
    path = _file(tmp_path)
    path.chmod(0o644)
    r = run_cli(["config"], {**os.environ, "PAPERBOY_CONFIG": str(path)})
    assert r.returncode == 0 and "chmod 600" in r.stderr
    path.chmod(0o600)
    r = run_cli(["config"], {**os.environ, "PAPERBOY_CONFIG": str(path)})
    assert "chmod 600" not in r.stderr


def test_every_setting_read_is_listed():
    """Values.get refuses a name SETTINGS does not list (and so the docs would miss)."""
    with pytest.raises(AssertionError):
        config.Values({}).get("PAPERBOY_NO_SUCH_THING")
    cfg, values = config.load_with_sources({})
    assert set(values.read) <= set(config.SETTINGS)


def test_proxy_addresses_may_be_a_list_or_spaced():
    """uvicorn reads the value split on commas: a TOML list or spaces must still work."""
    for given in ("10.0.0.1 10.0.0.2", "10.0.0.1, 10.0.0.2", "10.0.0.1,10.0.0.2"):
        cfg, _ = config.load_with_sources({"PAPERBOY_FORWARDED_ALLOW_IPS": given})
        assert cfg.forwarded_allow_ips == "10.0.0.1,10.0.0.2"
    assert config.load_with_sources({})[0].forwarded_allow_ips == "127.0.0.1"
