"""Queuing messages and sending them: the glue between subscriptions, composing and delivery."""

from __future__ import annotations

from typing import Any

import psycopg

from paperboy.config import Config
from paperboy.db import Database
from paperboy.digest import render, send
from paperboy.digest.subscriptions import CONFIRM_HOURS, Subscribed


def queue_confirmation(conn: psycopg.Connection, cfg: Config, secret: str, sub: Subscribed) -> int:
    email = conn.execute("SELECT email FROM subscribers WHERE id = %s", (sub.subscriber_id,)).fetchone()["email"]
    ctx: dict[str, Any] = {"email": email, "confirm_url": f"{cfg.base_url}/confirm/{sub.token}",
                           "hours": CONFIRM_HOURS, "base_url": cfg.base_url}
    msg = render.message(sender=cfg.mail_from, to=email, subject="Confirm your paperboy subscription",
                         text=render.render("confirm.txt", **ctx), html=render.render("confirm.html", **ctx))
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO outbox (subscriber_id, kind, period, recipient, subject, message)"
            " VALUES (%s, 'confirm', %s, %s, %s, %s) RETURNING id",
            (sub.subscriber_id, (sub.token or "")[:16], email, msg["Subject"], bytes(msg)),
        ).fetchone()
    return row["id"]


def send_now(db: Database, cfg: Config, ids: list[int] | None = None) -> send.SendStats:
    with db.connection() as conn:
        return send.deliver_pending(conn, send.delivery_for(cfg.smtp, cfg.home), cfg.mail_from, only_ids=ids)
