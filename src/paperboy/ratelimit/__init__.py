"""Rate limits: named policies, counted in PostgreSQL so that every worker and node agrees.

A policy is declared once, by name (pypi/warehouse's ``register_rate_limiter`` is the model;
paperboy's are in :mod:`paperboy.ratelimit.policies`)::

    VOTES = policy("votes", per=timedelta(minutes=1), setting="community.votes_per_minute")

and checked through the process's :class:`Limits` (built once in ``create_app``)::

    wait = app.state.limits.check(VOTES, member.id)   # 0: admitted and counted

A sliding window (the default) admits at most the setting's number of calls in any ``per``;
a bucket admits that many at once and refills over ``per``. A limit of 0 is no limit. The
counts are rows of ``rate_limits`` (:mod:`paperboy.ratelimit.store`), so a limit of 10 is 10
whatever the number of workers or nodes. A refusal is also remembered in the process until it
would end (nothing can end it sooner: other calls only add), so a client that keeps knocking
costs no query. Clients are keyed by :func:`client_key` (IPv6 by /64) everywhere.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg

from paperboy.ratelimit import store
from paperboy.ratelimit.clients import client_key

__all__ = ["BUCKET", "WINDOW", "Limits", "Policy", "admit", "client_key", "policy", "REGISTRY"]

WINDOW, BUCKET = "window", "bucket"


@dataclass(frozen=True)
class Policy:
    name: str
    per: timedelta | Callable[[Any], timedelta]
    limit: str | int | Callable[[Any], int]  # a setting's dotted path in Config, a number, or a function
    kind: str = WINDOW

    def most(self, cfg: Any) -> int:
        """The most calls a key may make in :meth:`window` under ``cfg`` (0: no limit)."""
        if isinstance(self.limit, int):
            return self.limit
        if isinstance(self.limit, str):
            value: Any = cfg
            for part in self.limit.split("."):
                value = getattr(value, part)
            return int(value)
        return self.limit(cfg)

    def window(self, cfg: Any) -> timedelta:
        return self.per if isinstance(self.per, timedelta) else self.per(cfg)


REGISTRY: dict[str, Policy] = {}


def policy(name: str, *, per: timedelta | Callable[[Any], timedelta], setting: str | None = None,
           limit: int | Callable[[Any], int] | None = None, kind: str = WINDOW) -> Policy:
    """Declare the policy ``name``: at most ``setting`` (a Config path such as
    "community.votes_per_minute") or ``limit`` calls per ``per``. One name, one policy."""
    if (setting is None) == (limit is None):
        raise ValueError("a policy takes either a setting or a limit")
    if kind not in (WINDOW, BUCKET):
        raise ValueError(f"unknown kind of limit: {kind!r}")
    if name in REGISTRY:
        raise ValueError(f"a rate-limit policy named {name!r} exists already")
    made = REGISTRY[name] = Policy(name, per, setting if setting is not None else limit, kind)  # type: ignore[arg-type]
    return made


def admit(conn: psycopg.Connection, pol: Policy, key: object, most: int, per: timedelta,
          at: datetime | None = None) -> float:
    """Count a call of ``key`` under ``pol`` allowing ``most`` per ``per`` (0: no limit): 0, else
    the seconds until a call would be admitted. In the caller's transaction, if any."""
    if most <= 0:
        return 0.0
    count = store.window if pol.kind == WINDOW else store.bucket
    return count(conn, pol.name, str(key), most, per, at)


class Limits:
    """The process's limiter over ``db`` with the limits of ``cfg``."""

    MAX_HELD = 100_000  # refusals remembered at once (the oldest are forgotten first)
    TIDY_EVERY = 1000  # calls of a policy between tidyings of its old rows

    def __init__(self, db: Any, cfg: Any) -> None:
        self.db = db
        self.cfg = cfg
        self._held: OrderedDict[tuple[str, str], float] = OrderedDict()  # -> refused until (monotonic)
        self._calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def most(self, pol: Policy) -> int:
        return pol.most(self.cfg)

    def held(self, pol: Policy, key: object) -> float:
        """The seconds this process already knows ``key`` must wait (0: ask the database)."""
        now = time.monotonic()
        with self._lock:
            until = self._held.get((pol.name, str(key)))
            if until is None:
                return 0.0
            if until <= now:
                del self._held[(pol.name, str(key))]
                return 0.0
            return until - now

    def check(self, pol: Policy, key: object) -> float:
        """Count a call of ``key`` under ``pol``: 0 (admitted), else the seconds to wait."""
        most = self.most(pol)
        if most <= 0:
            return 0.0
        wait = self.held(pol, key)
        if wait:
            return wait
        per = pol.window(self.cfg)
        with self.db.connection() as conn:
            wait = admit(conn, pol, key, most, per)
            if self._due(pol):
                conn.commit()
                store.tidy(conn, pol.name, per)
        if wait:
            with self._lock:
                self._held[(pol.name, str(key))] = time.monotonic() + wait
                self._held.move_to_end((pol.name, str(key)))
                while len(self._held) > self.MAX_HELD:
                    self._held.popitem(last=False)
        return wait

    def _due(self, pol: Policy) -> bool:
        with self._lock:
            n = self._calls[pol.name] = self._calls.get(pol.name, 0) + 1
        return n % self.TIDY_EVERY == 0
