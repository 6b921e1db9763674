"""Limits on subscribe requests, so /subscribe cannot be used to flood someone's inbox.

Every subscribe request that passes the limits is recorded (subscribe_requests) and counts
for an hour: per client (IP address, IPv6 /64: :func:`paperboy.ratelimit.client_key`), per mailbox (``victim+1@x`` and ``Victim+2@X`` are one
mailbox), per domain, and in total. A request counts whether or not it sent a mail (the
address may be subscribed already, or had a link minutes ago): were only sent mails counted,
whether a later request is refused would tell whether an address is subscribed.

The counts live in PostgreSQL, so every worker and machine of an instance agrees; one
transaction-scoped advisory lock makes check-and-record atomic across all of them
(subscribing is rare, so serialising it costs nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import psycopg

from paperboy.config import DigestSettings
from paperboy.db import locks
from paperboy.ratelimit.clients import client_key

WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Request:
    client: str
    mailbox: str
    domain: str


def mailbox_key(address: str) -> tuple[str, str]:
    """(mailbox, domain) of a normalised address: the local part without its +tag, lower-cased.

    >>> mailbox_key("Victim+42@Example.com")
    ('victim@example.com', 'example.com')
    """
    local, _, domain = address.lower().rpartition("@")
    local = local.split("+", 1)[0] or local
    return f"{local}@{domain}", domain


def describe(client_host: str | None, address: str) -> Request:
    mailbox, domain = mailbox_key(address)
    return Request(client_key(client_host), mailbox, domain)


def admit(conn: psycopg.Connection, limits: DigestSettings, req: Request, kind: str = "subscribe",
          per_mailbox_from_client: int = 0) -> bool:
    """Record ``req`` and return True, or return False (recording nothing) when any limit
    of the past hour is reached. ``kind`` keeps other requests that send mail at a
    stranger's asking (sign-in links: community/signin.py) apart, each with its own limits;
    ``per_mailbox_from_client`` (0: none) limits requests for one mailbox from one client,
    which holds a stranger back without refusing the mailbox's owner elsewhere."""
    with conn.transaction():
        locks.xact_lock(conn, locks.SUBSCRIBE)  # one key for every subscribe request of the instance
        conn.execute("DELETE FROM subscribe_requests WHERE at < now() - %s", (WINDOW,))
        n = conn.execute(
            "SELECT count(*) AS total,"
            " count(*) FILTER (WHERE client = %(client)s) AS client,"
            " count(*) FILTER (WHERE mailbox = %(mailbox)s) AS mailbox,"
            " count(*) FILTER (WHERE domain = %(domain)s) AS domain,"
            " count(*) FILTER (WHERE mailbox = %(mailbox)s AND client = %(client)s) AS mailbox_client"
            " FROM subscribe_requests WHERE kind = %(kind)s",
            {"client": req.client, "mailbox": req.mailbox, "domain": req.domain, "kind": kind},
        ).fetchone()
        for used, limit in ((n["total"], limits.subscribe_per_hour),
                            (n["client"], limits.subscribe_per_client),
                            (n["mailbox"], limits.subscribe_per_mailbox),
                            (n["domain"], limits.subscribe_per_domain),
                            (n["mailbox_client"], per_mailbox_from_client)):
            if limit and used >= limit:
                return False
        conn.execute("INSERT INTO subscribe_requests (client, mailbox, domain, kind) VALUES (%s, %s, %s, %s)",
                     (req.client, req.mailbox, req.domain, kind))
    return True
