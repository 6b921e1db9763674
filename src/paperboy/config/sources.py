"""Where each setting's value comes from: the environment first, then the TOML file named by
PAPERBOY_CONFIG, then the default. :class:`Values` answers every read and remembers its
origin, so `paperboy config` can say where each effective value came from."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from paperboy.config.names import SECRETS, SETTINGS


class ConfigError(ValueError):
    """A setting with a value paperboy cannot use; the message names the variable."""


ENVIRONMENT, DEFAULT = "environment", "default"


def _key(name: str) -> str | None:
    """The setting a TOML key names: the variable's own name, or its short lowercase form
    (``port`` for PAPERBOY_PORT, ``database_url`` for DATABASE_URL).

    >>> _key("port"), _key("PAPERBOY_SMTP_HOST"), _key("database_url"), _key("nope")
    ('PAPERBOY_PORT', 'PAPERBOY_SMTP_HOST', 'DATABASE_URL', None)
    """
    upper = name.strip().upper()
    for candidate in (upper, f"PAPERBOY_{upper}"):
        if candidate in SETTINGS and candidate != "PAPERBOY_CONFIG":
            return candidate
    return None


def _text(key: str, value: object, path: Path) -> str:
    """A TOML value as the text an environment variable would hold: lists are joined by
    spaces (``arxiv_categories = ["cs.CL", "cs.CV"]``), booleans are on/off."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list) and all(isinstance(x, int | float | str) for x in value):
        return " ".join(str(x) for x in value)
    raise ConfigError(f"{path}: {key} must be a string, a number, true/false or a list of them")


def read_file(path: Path) -> dict[str, str]:
    """The settings of a TOML file, by variable name. An unreadable file, bad TOML or an
    unknown key is a :class:`ConfigError` naming the file (and the nearest known key)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"PAPERBOY_CONFIG={str(path)!r}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"PAPERBOY_CONFIG={str(path)!r}: cannot read it ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path} is not valid TOML: {e}") from None
    out: dict[str, str] = {}
    for key, value in data.items():
        name = _key(key)
        if name is None:
            known = [n.removeprefix("PAPERBOY_").lower() for n in SETTINGS if n != "PAPERBOY_CONFIG"]
            near = difflib.get_close_matches(key.lower().removeprefix("paperboy_"), known, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ConfigError(f"{path}: unknown setting {key!r}{hint}; docs/settings.md lists them")
        out[name] = _text(key, value, path)
    return out


@dataclass(frozen=True)
class Read:
    """One setting as `load` read it: its value (None: unset, no default) and origin."""

    name: str
    value: str | None
    origin: str  # ENVIRONMENT, DEFAULT or the TOML file's path

    @property
    def shown(self) -> str:
        """The value fit to print: secrets masked, the password left out of a database URL."""
        if self.value is None or not self.value.strip():
            return "(not set)"
        if self.name == "DATABASE_URL":
            return mask_url(self.value)
        if self.name in SECRETS and self.value:
            return "********"
        return self.value


def mask_url(url: str) -> str:
    """A connection URL with its password replaced by stars.

    >>> mask_url("postgresql://app:s3cret@db.example.org:5432/paperboy")
    'postgresql://app:********@db.example.org:5432/paperboy'
    >>> mask_url("host=db password=s3cret dbname=x")
    'host=db password=******** dbname=x'
    """
    import re

    url = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1********@", url)
    return re.sub(r"(password\s*=\s*)(\S+)", r"\1********", url, flags=re.IGNORECASE)


class Values:
    """Every setting read while loading, and where it came from."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        self.path: Path | None = None
        self.file: dict[str, str] = {}
        given = self.environ.get("PAPERBOY_CONFIG", "").strip()
        if given:
            self.path = Path(given).expanduser()
            self.file = read_file(self.path)
        self.read: dict[str, Read] = {}

    def get(self, name: str, default: str | None = None) -> str | None:
        """The value of setting ``name``: the environment's if set and not empty, else the
        file's, else ``default``."""
        assert name in SETTINGS, f"{name} is read but not listed in config.SETTINGS"
        self.read[name] = found = self._lookup(name, default)
        return found.value

    def _lookup(self, name: str, default: str | None) -> Read:
        value = self.environ.get(name)
        if value not in (None, ""):
            return Read(name, value, ENVIRONMENT)
        if name in self.file:
            return Read(name, self.file[name], str(self.path))
        return Read(name, default, DEFAULT)

    def where(self, name: str) -> str:
        """" (in FILE)" when the value read for ``name`` came from the settings file: error
        messages say where to fix it."""
        read = self.read.get(name)
        return f" (in {self.path})" if read and read.origin not in (ENVIRONMENT, DEFAULT) else ""

    def text(self, name: str, default: str) -> str:
        """Like :meth:`get` for a setting that always has a value."""
        value = self.get(name, default)
        return default if value is None else value

    def report(self) -> list[Read]:
        """Every known setting in the order of SETTINGS, read or not."""
        return [self.read.get(n) or self._lookup(n, None) for n in SETTINGS]
