"""Building email messages: HTML (inline CSS) and plain-text parts, safe headers.

Header values are checked for line breaks (no header injection); every digest carries
List-Unsubscribe with a one-click (RFC 8058) URL and a visible unsubscribe link. Nothing
in a message is a tracking pixel: no images at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

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


def message(
    *, sender: str, to: str, subject: str, text: str, html: str | None = None,
    unsubscribe_url: str | None = None, now: datetime | None = None,
) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = _clean_header(sender)
    msg["To"] = _clean_header(to)
    msg["Subject"] = _clean_header(" ".join(subject.split()))
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "paperboy.local"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{_clean_header(unsubscribe_url)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg
