"""Advisory-lock keys: one list, values that never change (old and new versions running side
by side during an upgrade must still exclude each other), and what the helpers see."""

from __future__ import annotations

import psycopg

from paperboy.db import locks


def test_keys_are_distinct_and_unchanged():
    keys = [locks.MIGRATE, locks.STORE_WRITE, locks.EMBED, locks.DIGEST, *locks.FETCH.values(), locks.SUBSCRIBE]
    assert keys == [0x70617065 + n for n in (0, 1, 2, 3, 4, 5, 10)]
    index_key = locks.keyword_index("/srv/paperboy/index/db-0123456789ab")
    assert index_key == locks.keyword_index("/srv/paperboy/index/db-0123456789ab") and 0 < index_key < 2**63
    assert index_key not in keys


def test_a_lock_one_session_holds_is_seen_and_refused_elsewhere(db_url):
    with psycopg.connect(db_url, autocommit=True) as a, psycopg.connect(db_url, autocommit=True) as b:
        assert locks.try_lock(a, locks.FETCH["hf"])
        assert locks.FETCH["hf"] in locks.held(b)
        assert not locks.try_lock(b, locks.FETCH["hf"])
        locks.unlock(a, locks.FETCH["hf"])
        assert locks.FETCH["hf"] not in locks.held(b)
        big = locks.keyword_index("/some/folder")  # above 32 bits: held() rebuilds the whole key
        locks.lock(a, big)
        assert big in locks.held(b)
