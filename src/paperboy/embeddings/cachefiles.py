"""The ONNX model cache's files: each verified by the SHA-256 its JSON manifest holds, and
written to a temporary name then renamed, so a damaged or half-written file is never used."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from contextlib import suppress
from pathlib import Path

log = logging.getLogger("paperboy.embeddings.onnx_encoder")


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _manifest(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _valid(path: Path, quiet: bool = False, **expected) -> dict | None:
    """The manifest of ``path`` when the file is whole and was made as ``expected``; else None
    (and a warning, unless ``quiet``, when a file is there but damaged)."""
    if not path.exists():
        return None
    info = _json(_manifest(path))
    if any(info.get(k) != v for k, v in expected.items()):
        return None  # made by another recipe or from another file: made again, no alarm
    try:
        whole = info.get("sha256") == _sha256(path)
    except OSError:
        whole = False
    if not whole and not quiet:
        log.warning("the cached ONNX model %s is damaged or incomplete; making it again", path)
        return None
    return info


def _write_manifest(path: Path, info: dict) -> None:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".manifest-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=1)
    Path(name).chmod(0o644)
    os.replace(name, _manifest(path))


def _temporary(folder: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(dir=folder, prefix=".export-", suffix=suffix)
    os.close(fd)
    return Path(name)


def discard(path: Path) -> None:
    for p in (path, _manifest(path)):
        with suppress(FileNotFoundError):
            p.unlink()
