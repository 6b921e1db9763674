"""Email addresses as they travel: an internationalised domain goes as punycode.

Subscribers are stored as email-validator normalises them, with a Unicode domain
(``x@пример.рф``, whether typed so or as ``x@xn--e1afmkfd.xn--p1ai``). SMTP commands and
message headers are ASCII unless the server offers SMTPUTF8, and a domain never needs it:
IDNA turns it into ASCII that every server accepts. A non-ASCII local part has no ASCII
form; only SMTPUTF8 can carry it.
"""

from __future__ import annotations

import idna  # email-validator's own IDNA 2008 library: the same mapping it validated with


def wire_address(address: str) -> str:
    """``address`` with its domain IDNA-encoded; the local part is left as it is.

    >>> wire_address("x@пример.рф"), wire_address("ada@example.org")
    ('x@xn--e1afmkfd.xn--p1ai', 'ada@example.org')

    Raises ValueError (naming the domain) when the domain has no IDNA form.
    """
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as e:
        raise ValueError(f"the domain {domain!r} cannot be written in ASCII (IDNA): {e}") from None
    return f"{local}@{ascii_domain}"
