"""What happens when someone asks to subscribe: the limits, the subscription, and the
confirmation email queued in the outbox (the mailer sends it; no request talks SMTP)."""

from __future__ import annotations

import psycopg

from paperboy.config import Config
from paperboy.digest import outbox, subscriptions, throttle

QUEUED, NOTHING_TO_SEND, LIMITED = "queued", "nothing to send", "limited"


def request(conn: psycopg.Connection, cfg: Config, secret: str, client_host: str | None,
            email: str) -> str:
    """QUEUED (a confirmation waits in the outbox), NOTHING_TO_SEND (active already, or a link
    went out minutes ago) or LIMITED (too many requests lately: nothing queued). Raises
    subscriptions.InvalidInput for an address that is not one.

    The limits are checked before the address is looked at and count whatever its state, so
    the answer never tells who is subscribed."""
    address = subscriptions.normalise_email(email)
    if not throttle.admit(conn, cfg.digest, throttle.describe(client_host, address)):
        return LIMITED
    result = subscriptions.subscribe(conn, address)
    if not result.token:
        return NOTHING_TO_SEND
    outbox.queue_confirmation(conn, cfg, secret, result)
    return QUEUED
