"""A polite HTTP client for the sources paperboy fetches from.

One connection, a fixed pause between the starts of two requests (arXiv asks for three
seconds), and retries with exponential backoff on what is worth retrying: timeouts,
dropped connections, 429 (waiting as long as ``Retry-After`` says), 5xx, and bodies the
caller finds broken (truncated or malformed pages, arXiv's occasional empty page). Other
4xx answers are not retried: asking again will not help.
"""

from __future__ import annotations

import email.utils
import functools
import logging
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

from paperboy import __version__

log = logging.getLogger(__name__)
T = TypeVar("T")

# Never wait longer than this for one retry, whatever a Retry-After says: a source that
# asks for more is down for now, and the next scheduled run will try again.
MAX_WAIT = 600.0


class FetchError(Exception):
    """A fetch that cannot go on; the message says why in one line, for people."""


class NotFound(FetchError):
    """HTTP 404: the thing asked for is not there (asking again will not help)."""


class Stopped(FetchError):
    """The process is stopping (serve shutting down): the run ends where it is."""


class Retry(Exception):
    """Raised by a response check: this answer is broken, ask again."""


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date.

    >>> retry_after("120")
    120.0
    >>> retry_after("Wed, 21 Oct 2015 07:28:00 GMT", datetime(2015, 10, 21, 7, 27, tzinfo=UTC))
    60.0
    >>> retry_after("soon") is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _reason(exc: httpx.TransportError, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"connection dropped or response cut short ({exc})"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})"
    return f"connection failed ({exc or type(exc).__name__})"


@functools.cache
def _tls() -> ssl.SSLContext:
    """The certificate store of every client in the process, read once: httpx reads certifi's
    bundle again for each new client (22 ms of CPU here), and the app makes one per start (the
    submission lookup), each fetch run another."""
    return httpx.create_ssl_context()


class PoliteClient:
    """GET with spacing and retries. ``sleep`` is injectable so a stopping server can cut a
    wait short (pass an Event's ``wait``: it returns True when set, and the fetch stops)."""

    def __init__(
        self,
        name: str,
        delay: float,
        timeout: float = 30.0,
        retries: int = 5,
        sleep: Callable[[float], Any] = time.sleep,
        on_retry: Callable[[str, float], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.delay = delay
        self.timeout = timeout
        self.retries = retries
        self.sleep = sleep
        self.on_retry = on_retry
        self.requests = 0
        self._last_start: float | None = None
        self.http = httpx.Client(
            timeout=timeout,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            headers={"User-Agent": f"paperboy/{__version__} (self-hosted paper hub)"},
            follow_redirects=True,
            transport=transport,
            verify=_tls(),
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pause(self, seconds: float) -> None:
        # Asked even when no pause is left (a request slower than the spacing): a stop
        # between two requests must not wait for the whole run.
        if self.sleep(max(0.0, seconds)) is True:  # Event.wait: told to stop
            raise Stopped(f"{self.name}: stopped because paperboy is shutting down")

    def _wait_turn(self) -> None:
        if self._last_start is not None:
            self._pause(self._last_start + self.delay - time.monotonic())
        self._last_start = time.monotonic()

    def get(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        check: Callable[[httpx.Response], T] | None = None,
        what: str = "",
        accept: tuple[int, ...] = (),
    ) -> T | httpx.Response:
        """The response (or ``check(response)``), after up to ``retries`` retries.

        ``check`` turns a 200 answer into a result or raises :class:`Retry` when the body is
        broken. Raises :class:`FetchError` when the retries run out or the answer is a
        4xx other than 429. A status in ``accept`` (say 404, an answer in itself) is given to
        ``check`` like a 200.
        """
        what = what or url
        for attempt in range(self.retries + 1):
            self._wait_turn()
            self.requests += 1
            wait: float | None = None
            try:
                response = self.http.get(url, params=params)
            except httpx.TransportError as e:
                reason = _reason(e, self.timeout)
            else:
                status = response.status_code
                if status == 429 or status >= 500:
                    reason = f"HTTP {status}"
                    wait = retry_after(response.headers.get("Retry-After"))
                    if wait is not None:
                        reason += f", asked to wait {wait:g} s"
                        if wait > MAX_WAIT:
                            raise FetchError(
                                f"{self.name} is busy and asks to wait {wait:g} s ({what}); "
                                "try again later"
                            )
                elif status >= 400 and status not in accept:
                    body = " ".join(response.text.split())[:160]
                    raise (NotFound if status == 404 else FetchError)(f"{self.name} answered HTTP {status} ({what}): {body}")
                elif check is None:
                    return response
                else:
                    try:
                        return check(response)
                    except Retry as e:
                        reason = str(e)
            if attempt == self.retries:
                tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
                raise FetchError(f"{reason} ({what}; gave up after {tries})")
            backoff = min(MAX_WAIT, max(self.delay, 0.05) * 2 ** (attempt + 1))
            pause = max(backoff, wait or 0.0)
            if self.on_retry:
                self.on_retry(f"{reason} ({what})", pause)
            else:
                log.warning("%s: %s (%s); retrying in %.1f s", self.name, reason, what, pause)
            self._pause(pause)
            # The pause already spaced us out: the next request may start right away.
            self._last_start = None
        raise AssertionError("unreachable")
