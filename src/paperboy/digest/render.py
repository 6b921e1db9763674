"""Building email messages: HTML (inline CSS) and plain-text parts, safe headers.

Header values are checked for line breaks (no header injection); every digest carries
List-Unsubscribe with a one-click (RFC 8058) URL and a visible unsubscribe link. Nothing
in a message is a tracking pixel: no images at all.
"""

from __future__ import annotations

import binascii
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from paperboy.digest.addresses import wire_address

_env = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _clean_header(value: str) -> str:
    if any(c in value for c in "\r\n\0"):
        raise ValueError("line breaks are not allowed in an email header")
    return value


def render(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


@lru_cache(maxsize=256)  # a run's subjects are few ("paperboy: 12 papers · Jul 1")
def _header(value: str) -> str:
    """A header value, RFC 2047-encoded when it is not plain ASCII."""
    value = _clean_header(value)
    return value if value.isascii() else Header(value, "utf-8").encode()


@lru_cache(maxsize=16)
def _sender(value: str) -> tuple[str, str]:
    """(From header value, Message-ID domain) of the sender: one per instance."""
    return _address(value), parseaddr(value)[1].rpartition("@")[2] or "paperboy.local"


def _address(value: str) -> str:
    """A From/To header value; an internationalised domain is written as punycode, as the
    envelope has it (a header needs no SMTPUTF8 for it then)."""
    name, addr = parseaddr(_clean_header(value))
    try:
        addr = wire_address(addr)
    except ValueError:
        pass  # sending to it fails later, saying why
    return formataddr((name, addr), charset="utf-8") if name else addr


def qp(body: str) -> bytes:
    """``body`` (UTF-8) as quoted-printable with CRLF line ends. Quoted-printable is encoded
    line by line, so the encodings of two pieces, put end to end, decode to the two pieces
    end to end: that is what lets a digest be stored as shared parts (digest/parts.py).
    A line of such a join stays far under SMTP's 998 characters (two lines of 76 at most)."""
    data = body.replace("\r\n", "\n").encode("utf-8")  # (a bare \r is encoded as =0D)
    return binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n")


@dataclass(frozen=True, eq=False)
class Shared:
    """An encoded piece that many messages of a run hold (a section, a page's head): stored
    once, by its hash, and put back into each message when it is sent."""

    body: bytes

    @cached_property
    def hash(self) -> bytes:
        return hashlib.sha256(self.body).digest()


Segment = bytes | Shared


def _part_head(subtype: str) -> bytes:
    return (f"Content-Type: text/{subtype}; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode()


def joined(segments: list[Segment]) -> bytes:
    """The message the segments stand for."""
    return b"".join(s.body if isinstance(s, Shared) else s for s in segments)


def message(
    *, sender: str, to: str, subject: str, text: str, html: str | None = None,
    unsubscribe_url: str | None = None, now: datetime | None = None,
) -> bytes:
    """The message as it goes on the wire: headers, then plain text and (when given) HTML as
    multipart/alternative, both UTF-8 in quoted-printable, CRLF line ends."""
    return joined(segments(sender=sender, to=to, subject=subject, text=[qp(text)],
                           html=None if html is None else [qp(html)], unsubscribe_url=unsubscribe_url, now=now))


def segments(
    *, sender: str, to: str, subject: str, text: list[Segment], html: list[Segment] | None = None,
    unsubscribe_url: str | None = None, now: datetime | None = None,
) -> list[Segment]:
    """:func:`message` with its text and HTML given as encoded segments (:func:`qp`, or
    :class:`Shared`): the message as segments, its own bytes between the shared ones.

    Assembled directly rather than through the email package: at 10,000 digests a run, its
    generator was most of the time spent composing. The parts are what it would produce.
    """
    from_, domain = _sender(sender)
    headers = [
        ("From", from_),
        ("To", _address(to)),
        ("Subject", _header(" ".join(subject.split()))),
        ("Date", format_datetime(now or datetime.now(UTC))),
        ("Message-ID", make_msgid(domain=domain)),
        ("MIME-Version", "1.0"),
        ("Auto-Submitted", "auto-generated"),
    ]
    if unsubscribe_url:
        headers += [("List-Unsubscribe", f"<{_clean_header(unsubscribe_url)}>"),
                    ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
    if html is None:
        head = b"".join(f"{k}: {v}\r\n".encode() for k, v in headers)
        return [head + _part_head("plain"), *text]
    # (in quoted-printable "=" starts a hex pair or a soft break, never "=_": no body holds it)
    boundary = f"=_paperboy_{secrets.token_hex(12)}"
    headers.append(("Content-Type", f'multipart/alternative; boundary="{boundary}"'))
    head = b"".join(f"{k}: {v}\r\n".encode() for k, v in headers) + b"\r\n"
    sep = f"--{boundary}\r\n".encode()
    return [head + sep + _part_head("plain"), *text, b"\r\n" + sep + _part_head("html"), *html,
            f"\r\n--{boundary}--\r\n".encode()]
